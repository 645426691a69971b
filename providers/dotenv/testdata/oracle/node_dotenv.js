// Differential-test oracle: parse each dotenv file named on the command line with node's dotenv
// package (as dotenv.config() reads it) and print {PATH: {"vars": {...}}} as JSON on stdout. Exit
// status 3 when the package cannot be loaded (set NODE_PATH to a node_modules directory holding
// it), so the test can skip this oracle.
let dotenv;
try {
  dotenv = require('dotenv');
} catch (e) {
  process.exit(3);
}
const fs = require('fs');
const out = {};
for (const path of process.argv.slice(2)) {
  out[path] = { vars: dotenv.parse(fs.readFileSync(path, { encoding: 'utf8' })) };
}
process.stdout.write(JSON.stringify(out));
