package dotenv_test

import (
	"fmt"
	"strings"

	"github.com/secretrun/secretrun/providers/dotenv"
)

func ExampleParse() {
	const file = `# database
export DB_HOST=db.internal
DB_URL="postgres://app@${DB_HOST}:5432/app"   # expands earlier variables
GREETING='Hello, $USER'                       # single quotes are literal
`
	vars, err := dotenv.Parse(strings.NewReader(file), ".env")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range vars {
		fmt.Printf("%d %s=%s\n", v.Line, v.Name, v.Value)
	}
	// Output:
	// 2 DB_HOST=db.internal
	// 3 DB_URL=postgres://app@db.internal:5432/app
	// 4 GREETING=Hello, $USER
}
