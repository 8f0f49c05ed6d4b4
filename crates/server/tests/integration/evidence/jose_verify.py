"""Verifies the service's evidence with an independent JOSE implementation (PyPI `jwcrypto`)
and an independent reading of its canonical form (RFC 8785 through Python's `json`).

Reads from standard input a JSON object: `jwks` (the service's /.well-known/jwks.json) and
`tokens`, a list of `{"jws": ..., "typ": ...}`. Writes to standard output a JSON list, one
entry per token: `ok` (its signature holds with a key of the JWKS, and its type is `typ`),
`error` when not, `claims` (its payload), and for a receipt `digest_matches`: whether SHA-256
of the RFC 8785 form of the event inside gives the receipt's `digest`.

Given `evidence` (a mandate's evidence file) instead of `tokens`, writes one object: the
events whose digest, receipt and chain value hold and that a proof links to a checkpoint
signed with a key of the JWKS (`proven`), and what does not hold (`errors`).
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


def check_evidence(keys, evidence):
    errors = []
    signed = {}
    for c in evidence["checkpoints"]:
        verdict = check(keys, {"jws": c["jws"], "typ": "checkpoint+jwt"})
        if verdict["ok"] and verdict["claims"]["seq"] == c["seq"]:
            signed[c["seq"]] = verdict["claims"]["chain"]
        else:
            errors.append("checkpoint %d: %s" % (c["seq"], verdict.get("error", "another event")))
    events = {e["seq"]: e for e in evidence["events"]}
    digests = {seq: hashlib.sha256(canonical(e["event"])).hexdigest() for seq, e in events.items()}
    proven = set()
    for segment in evidence["proofs"]:
        chain = bytes.fromhex(segment["before"])
        reached = []
        for i, d in enumerate(segment["digests"]):
            seq = segment["from"] + i
            chain = hashlib.sha256(chain + bytes.fromhex(d)).digest()
            if seq in events and d == digests[seq] and chain.hex() == events[seq]["chain"]:
                reached.append(seq)
            elif seq in events:
                errors.append("event %d: its proof does not hold" % seq)
        if signed.get(segment["checkpoint"]) == chain.hex():
            proven.update(reached)
        else:
            errors.append("proof to checkpoint %d does not reach what it signs" % segment["checkpoint"])
    for seq, e in events.items():
        receipt = check(keys, {"jws": e["receipt"], "typ": "receipt+jwt"})
        if not receipt["ok"] or receipt["claims"]["digest"] != digests[seq] or receipt["claims"]["seq"] != seq:
            errors.append("event %d: its receipt does not hold" % seq)
            proven.discard(seq)
        if digests[seq] != e["digest"]:
            errors.append("event %d: not as recorded" % seq)
            proven.discard(seq)
    return {"proven": sorted(proven), "errors": errors}


def main():
    request = json.load(sys.stdin)
    keys = jwk.JWKSet.from_json(json.dumps(request["jwks"]))
    if "evidence" in request:
        json.dump(check_evidence(keys, request["evidence"]), sys.stdout)
    else:
        json.dump([check(keys, t) for t in request["tokens"]], sys.stdout)


if __name__ == "__main__":
    main()
