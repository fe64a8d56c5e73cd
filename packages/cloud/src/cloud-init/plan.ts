/**
 * What a phoenix instance does at boot, read from its user data the way cloud-init reads it on EC2. Pure data:
 * `parseUserData` builds it, `renderBoot` turns it into the script and files the instance runs.
 */

/** A `bootcmd`/`runcmd` entry: a string is a shell command line, a list is an argument vector (no shell). */
export type BootCommand =
  | { readonly kind: "shell"; readonly line: string }
  | { readonly kind: "argv"; readonly argv: readonly string[] };

/** One `write_files` entry, its content already decoded (`b64`, `gzip`, `gz+b64`). */
export interface BootFile {
  /** Absolute path inside the instance. */
  readonly path: string;
  readonly content: Buffer;
  /** Octal mode, e.g. `0o644`. @default 0o644 */
  readonly permissions: number;
  /** `user:group` (cloud-init's default `root:root`). */
  readonly owner: string;
  /** Appends to an existing file instead of replacing it. */
  readonly append: boolean;
  /** `defer: true`: written after `users` (so `owner` may name a user created there). */
  readonly deferred: boolean;
}

/** One `users` entry (`default` is the image's default user, `admin` as on Debian's cloud images). */
export interface BootUser {
  readonly name: string;
  readonly groups: readonly string[];
  /** @default the system's useradd default */
  readonly shell?: string;
  readonly homedir?: string;
  readonly gecos?: string;
  readonly system: boolean;
  /** sudoers rules (`ALL=(ALL) NOPASSWD:ALL`); empty: none. */
  readonly sudo: readonly string[];
  /** Stored in `~/.ssh/authorized_keys` (there is no SSH server; kept for parity). */
  readonly sshAuthorizedKeys: readonly string[];
}

/** A user-data shell script part (`#!`), run with its interpreter as root after `runcmd`. */
export interface BootScript {
  /** `part-001`, … as cloud-init names them. */
  readonly name: string;
  readonly content: Buffer;
}

export interface BootPlan {
  /** Parse failures: the boot runs nothing and fails (the instance still exists). */
  readonly errors: readonly string[];
  /** Ignored or unsupported parts and modules, shown in the console. */
  readonly warnings: readonly string[];
  readonly hostname?: string;
  readonly fqdn?: string;
  readonly bootcmd: readonly BootCommand[];
  readonly writeFiles: readonly BootFile[];
  readonly users: readonly BootUser[];
  readonly runcmd: readonly BootCommand[];
  readonly scripts: readonly BootScript[];
}

/** Outcome of an instance's boot: user data finished (or could not run). */
export interface BootResult {
  readonly ok: boolean;
  /** Exit code of the first failing step (0 when every step succeeded). */
  readonly exitCode: number;
  /** Modules or scripts that failed (`bootcmd`, `write_files`, `users`, `runcmd`, `part-001`, `user-data`). */
  readonly failures: readonly string[];
}
