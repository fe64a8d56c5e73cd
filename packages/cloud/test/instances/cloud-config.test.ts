/** Real instances booting `#cloud-config` and MIME multi-part user data, and user data that cannot be read. */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { test } from "node:test";
import { startInstance } from "./support.ts";

const CONFIG = `#cloud-config
hostname: phoenix-web-1.example.internal
package_update: true
packages: [openjdk-7-jdk]
bootcmd:
  - echo "bootcmd ran as $(id -un)" > /run/bootcmd.txt
write_files:
  - path: /etc/app/config.properties
    content: |
      port=8080
    permissions: '0640'
  - path: /etc/app/blob
    encoding: gz+b64
    content: ${gzipSync("gzipped content\n").toString("base64")}
  - path: /etc/app/config.properties
    append: true
    permissions: '0640'
    content: "mode=phoenix\\n"
  - path: /home/alice/notes.txt
    content: mine
    owner: alice:alice
    defer: true
users:
  - default
  - name: alice
    groups: [adm]
    shell: /bin/bash
    sudo: ALL=(ALL) NOPASSWD:ALL
    ssh_authorized_keys: [ssh-ed25519 AAAAC3 alice@laptop]
runcmd:
  - cat /run/bootcmd.txt
  - [sh, -c, "echo runcmd list form: $0", "argv"]
  - stat -c '%a %U' /etc/app/config.properties && cat /etc/app/config.properties /etc/app/blob
  - id alice && id admin && stat -c '%U %a' /home/alice/notes.txt /home/alice/.ssh/authorized_keys
  - cat /etc/sudoers.d/90-cloud-init-users
  - su - alice -c 'echo "alice sees $AWS_EC2_METADATA_SERVICE_ENDPOINT"'
  - echo "host name $(hostname) $(cat /etc/hostname)"
`;

test("#cloud-config runs bootcmd, write_files, users and runcmd in order and warns about unsupported modules", async (t) => {
  const instance = await startInstance(t, CONFIG);
  const result = await instance.ready;
  const text = await instance.text();
  assert.deepEqual(result, { ok: true, exitCode: 0, failures: [] }, text);
  assert.match(text, /cloud-init\[WARNING\]: module 'package_update' is not supported by Fawkes; ignored/);
  assert.match(text, /cloud-init\[WARNING\]: module 'packages' is not supported by Fawkes; ignored/);
  const order = ["bootcmd", "write_files", "users", "write_files_deferred", "runcmd"].map((module) =>
    text.indexOf(`running module ${module}\n`),
  );
  assert.ok(
    order.every((index, i) => index >= 0 && (i === 0 || index > (order[i - 1] ?? 0))),
    text,
  );
  assert.match(text, /bootcmd ran as root\nruncmd list form: argv/);
  assert.match(text, /640 root\nport=8080\nmode=phoenix\ngzipped content\n/);
  assert.match(text, /uid=\d+\(alice\) gid=\d+\(alice\) groups=\d+\(alice\),\d+\(adm\)/);
  assert.match(text, /uid=\d+\(admin\)/);
  assert.match(text, /alice 644\nalice 600\n/);
  assert.match(text, /alice ALL=\(ALL\) NOPASSWD:ALL/);
  assert.match(text, /alice sees http:\/\/127\.0\.0\.1:8155\//);
  assert.match(text, /host name phoenix-web-1 phoenix-web-1\n/);
});

test("MIME multi-part user data runs its cloud-config modules before its scripts, gzip-compressed or not", async (t) => {
  const boundary = "==BOUNDARY==";
  const mime = [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "MIME-Version: 1.0",
    "",
    `--${boundary}`,
    'Content-Type: text/x-shellscript; charset="us-ascii"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from("#!/bin/sh\necho script sees: $(cat /etc/from-config)\n").toString("base64"),
    `--${boundary}`,
    "Content-Type: text/cloud-config",
    "",
    "#cloud-config",
    "write_files:",
    "  - path: /etc/from-config",
    "    content: written by write_files",
    "runcmd:",
    "  - echo runcmd first",
    `--${boundary}--`,
    "",
  ].join("\r\n");
  const instance = await startInstance(t, gzipSync(mime));
  const result = await instance.ready;
  const text = await instance.text();
  assert.equal(result.ok, true, text);
  assert.match(text, /runcmd first\n[\s\S]*script sees: written by write_files/);
});

test("bad YAML: a clear console error and a failed boot, the instance still exists", async (t) => {
  const instance = await startInstance(t, "#cloud-config\nruncmd: [echo one\nwrite_files: {\n");
  const result = await instance.ready;
  const text = await instance.text();
  assert.equal(result.ok, false);
  assert.deepEqual(result.failures, ["user-data"]);
  assert.match(text, /cloud-init\[ERROR\]: cloud-config is not valid YAML: /);
  assert.match(text, /Result: failed \(user-data\)/);
  assert.doesNotMatch(text, /running module/);
  process.kill(instance.pid, 0); // still running: the stack engine decides what happens to it
});

test("a failing script fails the boot with its exit code; later steps still run", async (t) => {
  const config = "#cloud-config\nruncmd:\n  - exit 3\n";
  const boundary = "b";
  const mime = `Content-Type: multipart/mixed; boundary=${boundary}\n\n--${boundary}\nContent-Type: text/cloud-config\n\n${config}\n--${boundary}\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho script still runs\nexit 7\n--${boundary}--\n`;
  const instance = await startInstance(t, mime);
  const result = await instance.ready;
  assert.deepEqual(result, { ok: false, exitCode: 3, failures: ["runcmd", "part-001"] });
  const text = await instance.text();
  assert.match(
    text,
    /Running module runcmd failed \(exit 3\)[\s\S]*script still runs[\s\S]*Running module part-001 failed \(exit 7\)/,
  );
});
