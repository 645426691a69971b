package validate

// tlsCases are the require_tls cases of TestCheck: the connection strings users meet, with and
// without TLS. The canary stands for the password.
func tlsCases() []checkCase {
	const pw = canary
	ok := func(name, value string) checkCase {
		return checkCase{name: "require_tls " + name, rules: Rules{RequireTLS: true}, value: value}
	}
	no := func(name, value string) checkCase {
		return checkCase{name: "require_tls " + name, rules: Rules{RequireTLS: true}, value: value, fails: []string{"require_tls"}}
	}
	return []checkCase{
		ok("https", "https://hooks.example/services/"+pw),
		no("http", "http://hooks.example/services/"+pw),
		ok("wss", "wss://stream.example/"+pw),
		ok("rediss", "rediss://:"+pw+"@cache.internal:6380/0"),
		no("redis", "redis://:"+pw+"@cache.internal:6379/0"),
		ok("amqps", "amqps://app:"+pw+"@mq.internal/vhost"),
		no("amqp", "amqp://app:"+pw+"@mq.internal/vhost"),
		ok("postgres sslmode=require", "postgres://app:"+pw+"@db.internal/app?sslmode=require"),
		ok("postgresql sslmode=verify-full", "postgresql://app:"+pw+"@db.internal/app?sslmode=verify-full&connect_timeout=5"),
		ok("postgres sslmode=verify-ca", "postgres://app:"+pw+"@db.internal/app?sslmode=verify-ca"),
		no("postgres without sslmode", "postgres://app:"+pw+"@db.internal/app"),
		no("postgres sslmode=prefer", "postgres://app:"+pw+"@db.internal/app?sslmode=prefer"),
		no("postgres sslmode=disable", "postgres://app:"+pw+"@db.internal/app?sslmode=disable"),
		ok("libpq sslmode=require", "host=db.internal user=app password="+pw+" sslmode=require"),
		no("libpq without sslmode", "host=db.internal user=app password="+pw),
		no("libpq sslmode=allow", "host=db.internal user=app password='"+pw+"' sslmode=allow"),
		ok("mysql dsn tls=true", "app:"+pw+"@tcp(db.internal:3306)/app?tls=true&parseTime=true"),
		ok("mysql dsn tls=skip-verify", "app:"+pw+"@tcp(db.internal:3306)/app?tls=skip-verify"),
		ok("mysql dsn custom tls config", "app:"+pw+"@tcp(db.internal:3306)/app?tls=rds"),
		no("mysql dsn tls=false", "app:"+pw+"@tcp(db.internal:3306)/app?tls=false"),
		no("mysql dsn tls=preferred", "app:"+pw+"@tcp(db.internal:3306)/app?tls=preferred"),
		no("mysql dsn without tls", "app:"+pw+"@tcp(db.internal:3306)/app"),
		ok("mysql url ssl-mode", "mysql://app:"+pw+"@db.internal:3306/app?ssl-mode=REQUIRED"),
		no("mysql url without tls", "mysql://app:"+pw+"@db.internal:3306/app"),
		ok("mongodb tls=true", "mongodb://app:"+pw+"@m1.internal:27017,m2.internal:27017/app?tls=true&replicaSet=rs0"),
		ok("mongodb ssl=true", "mongodb://app:"+pw+"@m1.internal/app?ssl=true"),
		no("mongodb", "mongodb://app:"+pw+"@m1.internal/app"),
		ok("mongodb+srv", "mongodb+srv://app:"+pw+"@cluster0.example.net/app?retryWrites=true"),
		no("mongodb+srv tls=false", "mongodb+srv://app:"+pw+"@cluster0.example.net/app?tls=false"),
		ok("sqlserver encrypt=true", "sqlserver://app:"+pw+"@sql.internal:1433?database=app&encrypt=true"),
		no("sqlserver encrypt=disable", "sqlserver://app:"+pw+"@sql.internal:1433?database=app&encrypt=disable"),
		no("unknown scheme", "zzq://app:"+pw+"@svc.internal/"),
		{name: "require_tls with format url", rules: Rules{RequireTLS: true, Format: FormatURL}, value: "http://hooks.example/" + pw, fails: []string{"require_tls"}},
		{name: "require_tls not a dsn", rules: Rules{RequireTLS: true}, value: pw, fails: []string{"format"}},
	}
}
