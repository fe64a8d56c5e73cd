/** `#cloud-config` YAML: the modules Fawkes runs (`bootcmd`, `write_files`, `users`, `runcmd`, hostnames). */
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import type { BootCommand, BootFile, BootUser } from "./plan.ts";

/** What one `#cloud-config` part contributes. */
export interface CloudConfig {
  readonly warnings: string[];
  readonly errors: string[];
  hostname?: string;
  fqdn?: string;
  readonly bootcmd: BootCommand[];
  readonly writeFiles: BootFile[];
  readonly users: BootUser[];
  readonly runcmd: BootCommand[];
}

/** Keys handled here, or harmless to ignore silently. */
const SUPPORTED = new Set([
  "bootcmd",
  "runcmd",
  "write_files",
  "users",
  "hostname",
  "fqdn",
  "prefer_fqdn_over_hostname",
  "preserve_hostname",
  "merge_how",
  "merge_type",
]);

/** Largest decompressed `write_files` entry or user data accepted. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** Debian's cloud images' default user (`users: [default]`). */
export const DEFAULT_USER: BootUser = {
  name: "admin",
  groups: ["adm", "sudo"],
  shell: "/bin/bash",
  system: false,
  sudo: ["ALL=(ALL) NOPASSWD:ALL"],
  sshAuthorizedKeys: [],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function commands(module: string, value: unknown, config: CloudConfig): BootCommand[] {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") return [{ kind: "shell", line: value }];
  if (!Array.isArray(value)) {
    config.warnings.push(`${module}: expected a list of commands, got ${typeof value}; module skipped`);
    return [];
  }
  const result: BootCommand[] = [];
  value.forEach((entry: unknown, index) => {
    if (typeof entry === "string") result.push({ kind: "shell", line: entry });
    else if (typeof entry === "number" || typeof entry === "boolean")
      result.push({ kind: "shell", line: String(entry) });
    else if (
      Array.isArray(entry) &&
      entry.length > 0 &&
      entry.every((arg) => ["string", "number"].includes(typeof arg))
    )
      result.push({ kind: "argv", argv: entry.map(String) });
    else config.warnings.push(`${module}[${index}]: not a string or a list of strings; entry skipped`);
  });
  return result;
}

function permissionsOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return 0o644;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0o7777) return value;
  if (typeof value === "string" && /^(0o?)?[0-7]{1,4}$/.test(value.trim()))
    return parseInt(value.trim().replace(/^0o/, ""), 8);
  return undefined;
}

function decodeContent(content: unknown, encoding: string): Buffer {
  const raw =
    content instanceof Uint8Array
      ? Buffer.from(content)
      : Buffer.from(content === undefined || content === null ? "" : String(content));
  const fromBase64 = (): Buffer => Buffer.from(raw.toString("latin1").replace(/\s+/g, ""), "base64");
  const gunzip = (data: Buffer): Buffer => gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  switch (encoding) {
    case "":
    case "text/plain":
      return raw;
    case "b64":
    case "base64":
      return fromBase64();
    case "gz":
    case "gzip":
      return gunzip(raw);
    case "gz+b64":
    case "gz+base64":
    case "gzip+b64":
    case "gzip+base64":
      return gunzip(fromBase64());
    default:
      throw new Error(`unknown encoding '${encoding}'`);
  }
}

function writeFiles(value: unknown, config: CloudConfig): BootFile[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    config.warnings.push("write_files: expected a list; module skipped");
    return [];
  }
  const result: BootFile[] = [];
  value.forEach((entry: unknown, index) => {
    const where = `write_files[${index}]`;
    if (!isRecord(entry) || typeof entry.path !== "string" || !entry.path.startsWith("/")) {
      config.warnings.push(`${where}: needs an absolute 'path'; entry skipped`);
      return;
    }
    const permissions = permissionsOf(entry.permissions);
    if (permissions === undefined) {
      config.warnings.push(
        `${where}: permissions '${String(entry.permissions)}' are not an octal mode; entry skipped`,
      );
      return;
    }
    let content: Buffer;
    try {
      content = decodeContent(
        entry.content,
        String(entry.encoding ?? "")
          .trim()
          .toLowerCase(),
      );
    } catch (error) {
      config.warnings.push(
        `${where} (${entry.path}): cannot decode content: ${(error as Error).message}; entry skipped`,
      );
      return;
    }
    const owner =
      typeof entry.owner === "string" && entry.owner.trim() !== "" ? entry.owner.trim() : "root:root";
    if (!/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/.test(owner)) {
      config.warnings.push(`${where}: owner '${owner}' is not user[:group]; entry skipped`);
      return;
    }
    result.push({
      path: entry.path,
      content,
      permissions,
      owner,
      append: entry.append === true,
      deferred: entry.defer === true,
    });
  });
  return result;
}

const NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;

function stringList(value: unknown): string[] {
  if (value === undefined || value === null || value === false) return [];
  if (typeof value === "string")
    return value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  if (Array.isArray(value))
    return value.filter((item) => typeof item === "string" || typeof item === "number").map(String);
  return [];
}

function users(value: unknown, config: CloudConfig): BootUser[] {
  if (value === undefined || value === null) return [];
  const entries = typeof value === "string" ? stringList(value) : value;
  if (!Array.isArray(entries)) {
    config.warnings.push("users: expected a list; module skipped");
    return [];
  }
  const result: BootUser[] = [];
  entries.forEach((entry: unknown, index) => {
    if (entry === "default") {
      result.push(DEFAULT_USER);
      return;
    }
    const fields: Record<string, unknown> | undefined =
      typeof entry === "string" ? { name: entry } : isRecord(entry) ? entry : undefined;
    const name = fields?.name;
    if (fields === undefined || typeof name !== "string" || !NAME.test(name)) {
      config.warnings.push(`users[${index}]: needs a valid 'name'; entry skipped`);
      return;
    }
    const groups = stringList(fields.groups);
    const badGroup = groups.find((group) => !NAME.test(group));
    if (badGroup !== undefined) {
      config.warnings.push(
        `users[${index}] (${name}): group '${badGroup}' is not a valid name; entry skipped`,
      );
      return;
    }
    const text = (key: string): string | undefined =>
      typeof fields[key] === "string" ? (fields[key] as string) : undefined;
    const shell = text("shell");
    const homedir = text("homedir");
    const gecos = text("gecos");
    result.push({
      name,
      groups,
      system: fields.system === true,
      sudo: stringList(fields.sudo),
      sshAuthorizedKeys: stringList(fields.ssh_authorized_keys),
      ...(shell === undefined ? {} : { shell }),
      ...(homedir === undefined ? {} : { homedir }),
      ...(gecos === undefined ? {} : { gecos }),
    });
  });
  return result;
}

/** Reads one `#cloud-config` document. Bad YAML or a top level that is not a mapping is an error. */
export function parseCloudConfig(text: string): CloudConfig {
  const config: CloudConfig = {
    warnings: [],
    errors: [],
    bootcmd: [],
    writeFiles: [],
    users: [],
    runcmd: [],
  };
  let document: unknown;
  try {
    // PyYAML reads YAML 1.1 (0644 is octal, yes/no are booleans): so does cloud-init, so do we.
    document = parseYaml(text, { version: "1.1", prettyErrors: true, maxAliasCount: 100 });
  } catch (error) {
    config.errors.push(`cloud-config is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
    return config;
  }
  if (document === null || document === undefined) return config;
  if (!isRecord(document)) {
    config.errors.push("cloud-config must be a YAML mapping of module names to settings");
    return config;
  }
  for (const key of Object.keys(document)) {
    if (!SUPPORTED.has(key)) config.warnings.push(`module '${key}' is not supported by Fawkes; ignored`);
  }
  config.bootcmd.push(...commands("bootcmd", document.bootcmd, config));
  config.runcmd.push(...commands("runcmd", document.runcmd, config));
  config.writeFiles.push(...writeFiles(document.write_files, config));
  config.users.push(...users(document.users, config));
  for (const key of ["hostname", "fqdn"] as const) {
    const value = document[key];
    if (value === undefined || value === null) continue;
    if (typeof value === "string" && /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(value)) config[key] = value;
    else config.warnings.push(`${key}: '${String(value)}' is not a valid host name; ignored`);
  }
  return config;
}
