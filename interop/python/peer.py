"""The didcomm-python side of the authcrypt interoperability matrix.

Usage: peer.py pack|unpack|resolve < request.json > response.json

The request names the DIDComm test keys file (Alice, Bob and Charlie of the DIDComm v2 spec
appendix), extra keys to add to their DID documents, and a list of cases. Every case is
handled on its own: a failure is reported in that case's result and the others go on.

pack:   case = {id, mode: authcrypt|anoncrypt|protect-sender|signed, enc, curve, from, to,
                sign_by, message}; with sign_by (a kid) the message is signed first, and mode
                "signed" is the signed message alone
        result = {id, ok, packed, to_kids, from_kid} or {id, ok: false, error}
unpack: case = {id, packed, curve, all_keys}
        result = {id, ok, message, metadata} or {id, ok: false, error}
resolve: case = {id, did}, a did:peer:2 or a long did:peer:4 resolved by the did-peer-2 or
        did-peer-4 package
        result = {id, ok, document} or {id, ok: false, error}
"""

import asyncio
import copy
import json
import sys
import traceback
import warnings
from importlib.metadata import version

# authlib.jose announces its own deprecation on import (and forces that warning on); that is
# not what is under test.
from authlib.deprecate import AuthlibDeprecationWarning  # noqa: E402

warnings.simplefilter("ignore", AuthlibDeprecationWarning)

from didcomm.common.algorithms import AnonCryptAlg, AuthCryptAlg  # noqa: E402
from didcomm.common.resolvers import ResolversConfig  # noqa: E402
from didcomm.did_doc.did_doc import DIDDoc  # noqa: E402
from didcomm.did_doc.did_resolver import DIDResolver  # noqa: E402
from didcomm.pack_encrypted import (  # noqa: E402
    PackEncryptedConfig,
    pack_encrypted,
)
from didcomm.pack_signed import pack_signed  # noqa: E402
from didcomm.secrets.secrets_resolver_in_memory import (  # noqa: E402
    SecretsResolverInMemory,
)
from didcomm.secrets.secrets_util import jwk_to_secret  # noqa: E402
from didcomm.unpack import UnpackConfig, unpack  # noqa: E402
import did_peer_2  # noqa: E402
import did_peer_4  # noqa: E402

ANON_ALGS = {
    "A256CBC-HS512": AnonCryptAlg.A256CBC_HS512_ECDH_ES_A256KW,
    "A256GCM": AnonCryptAlg.A256GCM_ECDH_ES_A256KW,
    "XC20P": AnonCryptAlg.XC20P_ECDH_ES_A256KW,
}


def did_of(kid):
    return kid.split("#", 1)[0]


class World:
    """The DID documents and secrets of the test identities."""

    def __init__(self, keys_file, extra_keys):
        with open(keys_file, encoding="utf-8") as f:
            vectors = json.load(f)
        # DID -> list of (kid, public JWK, relationship)
        self.methods = {}
        self.secrets = []
        for doc in vectors["did_documents"].values():
            did = doc["id"]
            self.methods.setdefault(did, [])
            for rel in ("keyAgreement", "authentication"):
                for entry in doc.get(rel, []):
                    if isinstance(entry, dict):
                        kid = entry["id"]
                        if kid.startswith("#"):
                            kid = did + kid
                        self.methods[did].append((kid, entry["publicKeyJwk"], rel))
        for key in vectors["keys"]:
            jwk = dict(key["private_jwk"], kid=key["kid"])
            self.secrets.append(jwk_to_secret(jwk))
            did = did_of(key["kid"])
            if did not in self.methods:
                # Charlie has no DID document in the spec appendix.
                self.methods[did] = []
            known = {kid for kid, _, _ in self.methods[did]}
            if key["kid"] not in known and key.get("did_doc_relationship"):
                self.methods[did].append(
                    (key["kid"], key["public_jwk"], key["did_doc_relationship"])
                )
        for extra in extra_keys:
            kid = extra["kid"]
            private = dict(extra["private_jwk"], kid=kid)
            public = {k: v for k, v in extra["private_jwk"].items() if k != "d"}
            self.secrets.append(jwk_to_secret(private))
            self.methods.setdefault(did_of(kid), []).append(
                (kid, public, "keyAgreement")
            )

    def did_doc(self, did, curve=None):
        """The DID document of `did`; with `curve`, keyAgreement lists only that curve."""
        methods = self.methods.get(did)
        if methods is None:
            return None
        vms = []
        key_agreement = []
        authentication = []
        for kid, jwk, rel in methods:
            vms.append(
                {
                    "id": kid,
                    "type": "JsonWebKey2020",
                    "controller": did,
                    "publicKeyJwk": copy.deepcopy(jwk),
                }
            )
            if rel == "keyAgreement" and (curve is None or jwk.get("crv") == curve):
                key_agreement.append(kid)
            elif rel == "authentication":
                authentication.append(kid)
        return DIDDoc.deserialize(
            {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": did,
                "verificationMethod": vms,
                "keyAgreement": key_agreement,
                "authentication": authentication,
            }
        )

    def resolvers(self, curve=None):
        return ResolversConfig(
            secrets_resolver=SecretsResolverInMemory(self.secrets),
            did_resolver=CurveView(self, curve),
        )


class CurveView(DIDResolver):
    """Resolves the test DIDs, showing only the keyAgreement keys on one curve (if given)."""

    def __init__(self, world, curve):
        self.world = world
        self.curve = curve

    async def resolve(self, did):
        return self.world.did_doc(str(did), self.curve)


async def pack_case(world, case):
    mode = case["mode"]
    sign_by = case.get("sign_by")
    if mode == "signed":
        res = await pack_signed(
            resolvers_config=world.resolvers(case["curve"]),
            message=case["message"],
            sign_frm=sign_by,
        )
        return {"packed": res.packed_msg, "to_kids": [], "from_kid": None}
    config = PackEncryptedConfig(
        enc_alg_auth=AuthCryptAlg.A256CBC_HS512_ECDH_1PU_A256KW,
        enc_alg_anon=ANON_ALGS[case["enc"]],
        protect_sender_id=(mode == "protect-sender"),
        forward=False,
    )
    frm = case["from"] if mode in ("authcrypt", "protect-sender") else None
    res = await pack_encrypted(
        resolvers_config=world.resolvers(case["curve"]),
        message=case["message"],
        to=case["to"],
        frm=frm,
        sign_frm=sign_by,
        pack_config=config,
    )
    return {
        "packed": res.packed_msg,
        "to_kids": [str(k) for k in res.to_kids],
        "from_kid": None if res.from_kid is None else str(res.from_kid),
    }


async def unpack_case(world, case):
    res = await unpack(
        world.resolvers(case.get("curve")),
        case["packed"],
        unpack_config=UnpackConfig(expect_decrypt_by_all_keys=case.get("all_keys", False)),
        deserializer=lambda d: d,
    )
    m = res.metadata
    return {
        "message": res.message,
        "metadata": {
            "encrypted": m.encrypted,
            "authenticated": m.authenticated,
            "anonymous_sender": m.anonymous_sender,
            "non_repudiation": m.non_repudiation,
            "encrypted_from": None if m.encrypted_from is None else str(m.encrypted_from),
            "encrypted_to": [str(k) for k in (m.encrypted_to or [])],
            "enc_alg_auth": None if m.enc_alg_auth is None else m.enc_alg_auth.value.enc,
            "enc_alg_anon": None if m.enc_alg_anon is None else m.enc_alg_anon.value.enc,
            "sign_from": None if m.sign_from is None else str(m.sign_from),
            "sign_alg": None if m.sign_alg is None else m.sign_alg.value,
            "from_prior_issuer_kid": None
            if m.from_prior_issuer_kid is None
            else str(m.from_prior_issuer_kid),
        },
    }


async def resolve_case(world, case):
    did = case["did"]
    if did.startswith("did:peer:4"):
        return {"document": did_peer_4.resolve(did)}
    return {"document": did_peer_2.resolve(did)}


async def run(command, request):
    world = World(request["keys_file"], request.get("extra_keys", []))
    handler = {"pack": pack_case, "unpack": unpack_case, "resolve": resolve_case}[command]
    results = []
    for case in request["cases"]:
        try:
            out = await handler(world, case)
            results.append(dict(out, id=case["id"], ok=True))
        except Exception as exc:  # one case's failure must not hide the others
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            results.append({"id": case["id"], "ok": False, "error": detail})
    return results


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("pack", "unpack", "resolve", "version"):
        sys.exit("usage: peer.py pack|unpack|resolve|version < request.json")
    names = ("didcomm", "authlib", "cryptography", "pycryptodomex", "did-peer-2", "did-peer-4")
    peer = {name: version(name) for name in names}
    if sys.argv[1] == "version":
        json.dump({"peer": peer}, sys.stdout)
        return
    request = json.load(sys.stdin)
    results = asyncio.run(run(sys.argv[1], request))
    json.dump({"peer": peer, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
