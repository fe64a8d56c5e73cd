/**
 * Files an instance's root starts with, written into the overlay's upper layer before boot (so they shadow
 * the host's only inside the instance): its host name and hosts entry, the AWS environment in
 * `/etc/environment` and `/etc/profile.d/fawkes.sh` (so `su - user` sees it too), the `aws` wrapper, `fawkes`,
 * `cfn-signal` and `node` in `/usr/local/lib/fawkes/bin`, and cloud-init's boot bundle in
 * `/var/lib/cloud/instance`.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { AWS_WRAPPER_SCRIPT } from "@fawkes/protocol/aws-wrapper";
import { BOOT_DIR, shellQuote, type BootBundle } from "../../../cloud-init/index.ts";

/** Directory of the `aws` wrapper, `fawkes`, `cfn-signal` and `node` inside an instance; first on its PATH. */
export const INSTANCE_BIN = "/usr/local/lib/fawkes/bin";
export const INSTANCE_PATH = `${INSTANCE_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

export interface RootFiles {
  readonly hostname: string;
  readonly address: string;
  /** Variables every process of the instance sees (`AWS_*`, `FAWKES_SERVER`, the caller's). */
  readonly environment: Readonly<Record<string, string>>;
  /** How to run `fawkes` (`node ENTRY "$@"`); absent: no `fawkes` on PATH. */
  readonly fawkesCommand?: { readonly node: string; readonly entry: string };
  readonly userData: Buffer;
  readonly boot: BootBundle;
}

async function write(upper: string, file: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const target = path.join(upper, file);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  await writeFile(target, content, { mode });
  await chmod(target, mode);
}

async function hostFile(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

/** `/etc/environment` is read by pam_env, which knows no escapes: values with quotes or newlines are left out. */
function pamEnvironment(environment: Readonly<Record<string, string>>): string {
  return Object.entries(environment)
    .filter(([, value]) => !/["\n\r]/.test(value))
    .map(([key, value]) => `${key}="${value}"\n`)
    .join("");
}

export async function writeRootFiles(upper: string, files: RootFiles): Promise<void> {
  const { hostname, address, environment } = files;
  await write(upper, "etc/hostname", `${hostname}\n`);
  await write(upper, "etc/hosts", `${await hostFile("/etc/hosts")}${address}\t${hostname}\n`);
  await write(
    upper,
    "etc/environment",
    `${await hostFile("/etc/environment")}${pamEnvironment(environment)}`,
  );
  const exports = Object.entries(environment).map(([key, value]) => `export ${key}=${shellQuote(value)}\n`);
  await write(
    upper,
    "etc/profile.d/fawkes.sh",
    `# Written by Fawkes: the instance's cloud endpoint, metadata endpoint and tools.\n${exports.join("")}` +
      `case ":$PATH:" in *":${INSTANCE_BIN}:"*) ;; *) PATH=${INSTANCE_BIN}:$PATH ;; esac\nexport PATH\n`,
  );
  const bin = INSTANCE_BIN.slice(1);
  await write(upper, `${bin}/aws`, AWS_WRAPPER_SCRIPT, 0o755);
  if (files.fawkesCommand !== undefined) {
    const { node, entry } = files.fawkesCommand;
    const shim = (command: string) => `#!/bin/sh\nexec ${command} "$@"\n`;
    await write(upper, `${bin}/fawkes`, shim(`${shellQuote(node)} ${shellQuote(entry)}`), 0o755);
    // cfn-signal's options are `fawkes signal`'s, so user data written for EC2 signals unchanged.
    await write(upper, `${bin}/cfn-signal`, shim(`${shellQuote(node)} ${shellQuote(entry)} signal`), 0o755);
    // The Node.js running Fawkes (the host's own may be too old for TypeScript applications).
    await write(upper, `${bin}/node`, shim(shellQuote(node)), 0o755);
  }
  const boot = BOOT_DIR.slice(1);
  await write(upper, `${boot}/user-data.txt`, files.userData, 0o600);
  await write(upper, `${boot}/boot.sh`, files.boot.script, 0o700);
  for (const file of files.boot.files) await write(upper, `${boot}/${file.path}`, file.content, file.mode);
}
