// SSH keys: a key added without `public_key` is generated (ed25519) and its private key returned once.
import { generateKeyPairSync } from "node:crypto";
import type { Handler } from "../core";
import type { LambdaSandbox } from "./index";
import { hexId, ok, type StoredKey } from "./state";

/** An SSH wire-format string: 4-byte big-endian length, then the bytes. */
function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** A new ed25519 key pair: the public key in OpenSSH's one-line form, the private key as PKCS#8 PEM. */
function generateKey(comment: string): { publicKey: string; privateKey: string } {
  const pair = generateKeyPairSync("ed25519");
  const raw = Buffer.from(pair.publicKey.export({ format: "jwk" }).x as string, "base64url");
  const wire = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
  return {
    publicKey: `ssh-ed25519 ${wire.toString("base64")} ${comment}`,
    privateKey: pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

export function sshKeyRoutes(s: LambdaSandbox): Record<string, Handler> {
  return {
    listSSHKeys: () => ok(Object.values(s.state.sshKeys)),
    addSSHKey: (ctx) => {
      const { name, public_key } = (ctx.body ?? {}) as { name: string; public_key?: string };
      if (Object.values(s.state.sshKeys).some((k) => k.name === name)) {
        return s.problem(400, "global/invalid-parameters", `An SSH key named "${name}" already exists.`);
      }
      let publicKey = public_key;
      let privateKey: string | undefined;
      if (publicKey === undefined) {
        ({ publicKey, privateKey } = generateKey(name));
      } else if (!/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+) [A-Za-z0-9+/=]+/.test(publicKey.trim())) {
        return s.problem(400, "global/invalid-parameters", "Invalid public key.", "Check the public key.");
      }
      const key: StoredKey = { id: hexId(), name, public_key: publicKey.trim() };
      s.state.sshKeys[key.id] = key;
      s.save();
      return ok(privateKey ? { ...key, private_key: privateKey } : key);
    },
    deleteSSHKey: (ctx) => {
      // The description documents no 404 for this route: an unknown id is invalid parameters.
      if (!s.state.sshKeys[ctx.params.id]) {
        return s.problem(400, "global/invalid-parameters", "Invalid SSH key ID.");
      }
      delete s.state.sshKeys[ctx.params.id];
      s.save();
      return ok({});
    },
  };
}
