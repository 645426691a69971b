#!/bin/sh
# A stand-in for your program: it uses its secrets, and carelessly prints some of them.
# secretrun masks every one of them, in every form below.
echo "app:          $APP_NAME ($APP_ENV)"
echo "database:     $DATABASE_URL"
echo "password:     $DB_PASSWORD (url-encoded in a query: password=demo-db-pass-8c1f)"
echo "stripe key:   ${#STRIPE_KEY} characters, starts with ${STRIPE_KEY%%_*}_"
echo "as JSON:      {\"stripe\": \"$STRIPE_KEY\"}"
echo "as base64:    $(printf '%s' "$STRIPE_KEY" | base64)"
echo "a config file, base64 at 40 columns:"
printf '{"service":"demo","stripe":"%s","retries":3}' "$STRIPE_KEY" | base64 | tr -d '\n' | fold -w 40
echo
echo "as HTML:      <td>$(printf '%s' "$DB_PASSWORD" | od -An -tu1 | awk '{ for (i = 1; i <= NF; i++) printf "&#%d;", $i }')</td>"
echo "tls key file: $TLS_KEY ($(wc -c < "$TLS_KEY") bytes)"
echo "to stderr:    sentry=$SENTRY_DSN" >&2
echo "optional:     FEATURE_KEY is ${FEATURE_KEY:-unset (optional and missing)}"
