"""Verifies the service's evidence with an independent JOSE implementation (PyPI `jwcrypto`)
and an independent reading of its canonical form (RFC 8785 through Python's `json`).

Reads from standard input a JSON object: `jwks` (the service's /.well-known/jwks.json) and
`tokens`, a list of `{"jws": ..., "typ": ...}`. Writes to standard output a JSON list, one
entry per token: `ok` (its signature holds with a key of the JWKS, and its type is `typ`),
`error` when not, `claims` (its payload), and for a receipt `digest_matches`: whether SHA-256
of the RFC 8785 form of the event inside gives the receipt's `digest`.
"""

import hashlib
import json
import sys

from jwcrypto import jwk, jws


def canonical(value):
    # For JSON of strings, integers, booleans, null, arrays and objects with ASCII keys (what
    # events hold), RFC 8785 is: keys sorted, no white space, UTF-8, the escapes of
    # ECMAScript's JSON.stringify, which Python's json writes too.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def check(keys, token):
    result = {"ok": False}
    try:
        signed = jws.JWS()
        signed.deserialize(token["jws"])
        signed.allowed_algs = ["EdDSA"]
        signed.verify(keys)
        header = signed.jose_header
        if header.get("typ") != token["typ"]:
            result["error"] = "type %r, not %r" % (header.get("typ"), token["typ"])
            return result
        claims = json.loads(signed.payload)
        result["ok"] = True
        result["kid"] = header.get("kid")
        result["claims"] = claims
        if "event" in claims:
            digest = hashlib.sha256(canonical(claims["event"])).hexdigest()
            result["digest_matches"] = digest == claims.get("digest")
    except Exception as e:  # noqa: BLE001 - every failure is a verdict
        result["error"] = "%s: %s" % (type(e).__name__, e)
    return result


def main():
    request = json.load(sys.stdin)
    keys = jwk.JWKSet.from_json(json.dumps(request["jwks"]))
    json.dump([check(keys, t) for t in request["tokens"]], sys.stdout)


if __name__ == "__main__":
    main()
