#!/usr/bin/python3
"""A registry token server for tests that takes identity tokens only: an OAuth2 form POST with
grant_type=refresh_token and the one refresh token it was started with earns a token for every
action asked for; anything else (a GET with Basic credentials, a password grant, another
refresh token) is 401. It appends one line per request to --log, without the refresh token:
  POST grant_type=refresh_token client_id=gantry service=gantry-registry scope=... -> 200

The tokens are signed as registry.sh's own token server signs them (RS256, the certificate in
the x5c header), with its key, so the registry it started trusts them.

Usage: refresh-token-server.py --port P --key K.pem --cert C.pem --refresh-token T --log FILE
Needs Debian's python3-jwt and python3-cryptography."""
import argparse
import base64
import json
import secrets
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--cert", required=True)
parser.add_argument("--refresh-token", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--issuer", default="gantry-token-issuer")
parser.add_argument("--service", default="gantry-registry")
args = parser.parse_args()

with open(args.key, "rb") as f:
    KEY = serialization.load_pem_private_key(f.read(), password=None)
with open(args.cert, "rb") as f:
    CERT = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)


def access_for(scope):
    """'repository:a/b:pull,push repository:c:pull' -> the claims' access list, all granted."""
    access = []
    for one in scope.split():
        kind, _, rest = one.partition(":")
        name, _, actions = rest.rpartition(":")
        if name:
            access.append({"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]})
    return access


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *rest):
        pass

    def record(self, line):
        with open(args.log, "a") as log:
            log.write(line + "\n")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, line):
        self.record(line + " -> 401")
        self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "identity token required"}]})

    def do_GET(self):
        self.refuse("GET " + urlparse(self.path).path)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        line = "POST " + " ".join(k + "=" + form.get(k, "") for k in ("grant_type", "client_id", "service", "scope"))
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != args.refresh_token:
            return self.refuse(line)
        now = int(time.time())
        claims = {"iss": args.issuer, "sub": "identity-token-user", "aud": form.get("service") or args.service,
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8),
                  "access": access_for(form.get("scope", ""))}
        token = jwt.encode(claims, KEY, algorithm="RS256", headers={"x5c": [base64.b64encode(CERT).decode()]})
        self.record(line + " -> 200")
        self.answer(200, {"access_token": token, "expires_in": 300, "scope": form.get("scope", "")})


ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
