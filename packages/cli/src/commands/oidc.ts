/** `fawkes oidc keys|rotate-key`: the server's OIDC signing keys (the issuer of jobs' ID tokens). */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { formatTable, printJson } from "../output.ts";

const iso = (ms: number): string => new Date(ms).toISOString();

export function registerOidcCommand(program: Command, { io }: CliContext): void {
  const oidc = program
    .command("oidc")
    .description("the OIDC issuer of jobs' ID tokens: list its signing keys, rotate the signing key");

  oidc
    .command("keys", { isDefault: true })
    .description("list the signing keys in the JWKS (the last one signs)")
    .option("--json", "print {keys:[…]} as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).oidcKeys();
      if (options.json) {
        printJson(io, list);
        return;
      }
      if (list.keys.length === 0) {
        io.out("no signing keys yet; the first ID token makes one\n");
        return;
      }
      const rows = list.keys.map((key) => [
        key.kid,
        key.algorithm,
        iso(key.createdAt),
        iso(key.signsUntil),
        iso(key.retireAfter),
      ]);
      io.out(formatTable(["kid", "alg", "created", "signs until", "in JWKS until"], rows));
    });

  oidc
    .command("rotate-key")
    .description("make a new signing key now; the old one stays in the JWKS until its tokens expire")
    .option("--json", "print the new key as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const key = await clientFor(command, io).rotateOidcKey();
      if (options.json) printJson(io, key);
      else
        io.out(
          `new signing key ${key.kid}; the previous key stays in the JWKS until ${iso(key.createdAt + 3_600_000)}\n`,
        );
    });
}
