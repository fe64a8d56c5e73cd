/** parseUserData and renderBoot: every user-data form, what is refused or warned, and cloud-init's order. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { DEFAULT_USER, parseUserData, renderBoot } from "../../src/cloud-init/index.ts";

const data = (text: string) => Buffer.from(text);

test("a #! script is one script part, run by its interpreter", () => {
  const plan = parseUserData(data("#!/bin/bash\necho hi\n"));
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(plan.warnings, []);
  assert.equal(plan.scripts.length, 1);
  assert.equal(plan.scripts[0]?.name, "part-001");
  assert.equal(plan.scripts[0]?.content.toString(), "#!/bin/bash\necho hi\n");
});

test("empty user data boots with nothing to do", () => {
  const plan = parseUserData(Buffer.alloc(0));
  assert.deepEqual([plan.errors, plan.warnings, plan.scripts, plan.runcmd], [[], [], [], []]);
});

test("#cloud-config: commands in string and list form, files in every encoding, users, host names", () => {
  const plan = parseUserData(
    data(`#cloud-config
hostname: web-1
fqdn: web-1.example.internal
bootcmd:
  - echo boot
  - [mkdir, -p, /opt/x y]
runcmd: echo only one
write_files:
  - path: /etc/plain
    content: plain
  - path: /etc/b64
    encoding: b64
    content: ${Buffer.from("from base64").toString("base64")}
    permissions: '0600'
    owner: app:app
  - path: /etc/gz
    encoding: gzip+base64
    content: ${gzipSync("from gzip").toString("base64")}
    permissions: 0755
  - path: /etc/more
    append: true
    defer: true
    content: more
users:
  - default
  - bob
  - name: carol
    groups: docker, adm
    shell: /bin/zsh
    sudo: [ALL=(ALL) ALL]
    ssh_authorized_keys: [ssh-ed25519 AAAA carol]
    system: true
`),
  );
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(plan.warnings, []);
  assert.equal(plan.hostname, "web-1");
  assert.equal(plan.fqdn, "web-1.example.internal");
  assert.deepEqual(plan.bootcmd, [
    { kind: "shell", line: "echo boot" },
    { kind: "argv", argv: ["mkdir", "-p", "/opt/x y"] },
  ]);
  assert.deepEqual(plan.runcmd, [{ kind: "shell", line: "echo only one" }]);
  const files = plan.writeFiles.map((f) => [
    f.path,
    f.content.toString(),
    f.permissions.toString(8),
    f.owner,
    f.append,
    f.deferred,
  ]);
  assert.deepEqual(files, [
    ["/etc/plain", "plain", "644", "root:root", false, false],
    ["/etc/b64", "from base64", "600", "app:app", false, false],
    ["/etc/gz", "from gzip", "755", "root:root", false, false],
    ["/etc/more", "more", "644", "root:root", true, true],
  ]);
  assert.deepEqual(plan.users[0], DEFAULT_USER);
  assert.deepEqual(plan.users[1], {
    name: "bob",
    groups: [],
    system: false,
    sudo: [],
    sshAuthorizedKeys: [],
  });
  assert.deepEqual(plan.users[2], {
    name: "carol",
    groups: ["docker", "adm"],
    shell: "/bin/zsh",
    system: true,
    sudo: ["ALL=(ALL) ALL"],
    sshAuthorizedKeys: ["ssh-ed25519 AAAA carol"],
  });
});

test("unsupported modules and bad entries are warnings; the rest still runs", () => {
  const plan = parseUserData(
    data(`#cloud-config
package_update: true
packages: [openjdk-7-jdk]
write_files:
  - content: no path
  - path: /etc/bad-mode
    permissions: rwx
  - path: /etc/bad-encoding
    encoding: rot13
    content: x
runcmd:
  - echo ok
  - {not: a command}
users:
  - name: "bad name!"
`),
  );
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(plan.warnings, [
    "module 'package_update' is not supported by Fawkes; ignored",
    "module 'packages' is not supported by Fawkes; ignored",
    "runcmd[1]: not a string or a list of strings; entry skipped",
    "write_files[0]: needs an absolute 'path'; entry skipped",
    "write_files[1]: permissions 'rwx' are not an octal mode; entry skipped",
    "write_files[2] (/etc/bad-encoding): cannot decode content: unknown encoding 'rot13'; entry skipped",
    "users[0]: needs a valid 'name'; entry skipped",
  ]);
  assert.deepEqual(plan.runcmd, [{ kind: "shell", line: "echo ok" }]);
  assert.deepEqual(plan.writeFiles, []);
});

test("bad YAML and a top level that is not a mapping are errors", () => {
  const bad = parseUserData(data("#cloud-config\nruncmd: [unclosed\n"));
  assert.equal(bad.errors.length, 1);
  assert.match(bad.errors[0] ?? "", /^cloud-config is not valid YAML: /);
  assert.deepEqual(parseUserData(data("#cloud-config\n- a list\n")).errors, [
    "cloud-config must be a YAML mapping of module names to settings",
  ]);
});

test("MIME multi-part: scripts and cloud-config parts, base64 and quoted-printable bodies, unsupported parts warned", () => {
  const mime = [
    'Content-Type: multipart/mixed; boundary="XYZ"',
    "MIME-Version: 1.0",
    "",
    "preamble is ignored",
    "--XYZ",
    "Content-Type: text/x-shellscript",
    'Content-Disposition: attachment; filename="setup.sh"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from("#!/bin/sh\necho setup\n").toString("base64"),
    "--XYZ",
    "Content-Type: text/cloud-config",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "#cloud-config",
    "runcmd:",
    "  - echo a=3Db",
    "--XYZ",
    "Content-Type: text/x-include-url",
    "",
    "#include",
    "http://example.com/more",
    "--XYZ",
    "Content-Type: text/plain",
    "",
    "#!/bin/sh",
    "echo typed by content",
    "--XYZ--",
    "epilogue",
  ].join("\n");
  const plan = parseUserData(data(mime));
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(plan.warnings, [
    "#include user data is not supported by Fawkes (instances fetch nothing at boot); ignored",
  ]);
  assert.deepEqual(
    plan.scripts.map((s) => [s.name, s.content.toString()]),
    [
      ["setup.sh", "#!/bin/sh\necho setup\n"],
      ["part-002", "#!/bin/sh\necho typed by content"],
    ],
  );
  assert.deepEqual(plan.runcmd, [{ kind: "shell", line: "echo a=b" }]);
});

test("gzip-compressed user data is decompressed; corrupt gzip is an error", () => {
  const plan = parseUserData(gzipSync("#cloud-config\nruncmd: [echo zipped]\n"));
  assert.deepEqual(plan.runcmd, [{ kind: "shell", line: "echo zipped" }]);
  const corrupt = parseUserData(Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  assert.match(corrupt.errors[0] ?? "", /^gzip user data cannot be decompressed/);
});

test("other forms are warned or refused: #include, boothooks, unknown text, scripts without #!, boundaryless multipart", () => {
  assert.match(
    parseUserData(data("#include\nhttp://x\n")).warnings[0] ?? "",
    /#include user data is not supported/,
  );
  assert.match(parseUserData(data("#cloud-boothook\necho\n")).warnings[0] ?? "", /boothook/);
  assert.match(
    parseUserData(data("just some text\n")).warnings[0] ?? "",
    /not a script \(#!\) nor #cloud-config/,
  );
  const noShebang = parseUserData(data("Content-Type: text/x-shellscript\n\necho hi\n"));
  assert.match(noShebang.errors[0] ?? "", /does not start with '#!'/);
  assert.match(parseUserData(data("Content-Type: multipart/mixed\n\nbody\n")).errors[0] ?? "", /no boundary/);
});

test("renderBoot runs modules in cloud-init's order and refuses to run anything when the plan has errors", () => {
  const mime = `Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho s\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [echo r]\nusers: [bob]\nbootcmd: [echo b]\nwrite_files:\n  - {path: /a, content: a}\n  - {path: /b, content: b, defer: true}\n--B--\n`;
  const bundle = renderBoot(parseUserData(data(mime)));
  const order = ["bootcmd", "write_files", "users", "write_files_deferred", "runcmd", "part-001"].map(
    (name) => bundle.script.indexOf(`\nrun_module ${name} `),
  );
  assert.ok(
    order.every((index, i) => index > 0 && (i === 0 || index > (order[i - 1] ?? 0))),
    bundle.script,
  );
  assert.deepEqual(
    bundle.files.map((f) => [f.path, f.content.toString()]),
    [
      ["scripts/bootcmd", "#!/bin/sh\necho b\n"],
      ["files/0", "a"],
      ["files/1", "b"],
      ["scripts/runcmd", "#!/bin/sh\necho r\n"],
      ["scripts/part-001", "#!/bin/sh\necho s"],
    ],
  );
  const failed = renderBoot(parseUserData(data("#cloud-config\n: : :\n  - [\n")));
  assert.doesNotMatch(failed.script, /\nrun_module /);
  assert.match(failed.script, /fail user-data 1/);
  assert.deepEqual(failed.files, []);
});
