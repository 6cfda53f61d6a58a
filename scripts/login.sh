#!/usr/bin/env bash
# Logs a person in through Belf's real pages with curl (authorization code + PKCE) and
# prints the token response. For demos and scripts; a browser does the same.
#   scripts/login.sh CLIENT_ID CLIENT_SECRET USERNAME PASSWORD [SCOPE] [REDIRECT_URI]
# ISSUER defaults to http://127.0.0.1:8080.
set -euo pipefail
CLIENT_ID=$1 CLIENT_SECRET=$2 USERNAME=$3 PASSWORD=$4
SCOPE=${5:-openid profile email offline_access courses:read courses:write}
REDIRECT=${6:-http://127.0.0.1:3000/callback}
ISSUER=${ISSUER:-http://127.0.0.1:8080}
jar=$(mktemp); trap 'rm -f "$jar"' EXIT
enc() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$1"; }
field() { sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -1; }
location() { sed -n 's/^[Ll]ocation: *//p' | tr -d '\r'; }

VERIFIER=$(head -c 48 /dev/urandom | base64 | tr -d '=+/\n' | cut -c1-64)
CHALLENGE=$(printf %s "$VERIFIER" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
URL="$ISSUER/authorize?response_type=code&client_id=$CLIENT_ID&redirect_uri=$(enc "$REDIRECT")&scope=$(enc "$SCOPE")&state=demo&nonce=demo&code_challenge=$CHALLENGE&code_challenge_method=S256"

next=$(curl -s -c "$jar" -b "$jar" -D - -o /dev/null "$URL" | location)
for _ in 1 2 3 4; do
  case "$next" in
    /login*)
      page=$(curl -s -c "$jar" -b "$jar" "$ISSUER$next")
      next=$(curl -s -c "$jar" -b "$jar" -D - -o /dev/null "$ISSUER/login" \
        --data-urlencode "csrf=$(field csrf <<<"$page")" --data-urlencode "interaction=$(field interaction <<<"$page")" \
        --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD" | location)
      [ -n "$next" ] || { echo "login failed" >&2; exit 1; } ;;
    /consent*)
      page=$(curl -s -c "$jar" -b "$jar" "$ISSUER$next")
      next=$(curl -s -c "$jar" -b "$jar" -D - -o /dev/null "$ISSUER/consent" \
        --data-urlencode "csrf=$(field csrf <<<"$page")" --data-urlencode "interaction=$(field interaction <<<"$page")" \
        -d decision=allow | location) ;;
    *) break ;;
  esac
done
CODE=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$next")
[ -n "$CODE" ] || { echo "no code in redirect: $next" >&2; exit 1; }
curl -s -u "$CLIENT_ID:$CLIENT_SECRET" "$ISSUER/token" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT" --data-urlencode "code_verifier=$VERIFIER"
echo
