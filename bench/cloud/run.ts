/**
 * Cloud endpoint figures (issue 4's Performance section), with the endpoint in its own process
 * (bench/cloud/server.ts) so the clients and the server don't share an event loop:
 *  (a) one large object (1 GiB; 256 MiB with `quick`) PUT and GET through the AWS SDK and through awscli, as a
 *      percentage of a plain local file copy of the same size in the same run (`dd bs=4M conv=fsync`: a real
 *      byte copy that syncs, as a PUT does), and the server's RSS growth over those transfers;
 *  (b) 10,000 (2,000) 4 KiB objects PUT by 16 concurrent SDK clients → PUT/s;
 *  (c) ListObjectsV2 paging (1,000 keys a page) over 100,000 (20,000) keys → keys/s.
 * `--only large|small|list` (repeatable) runs some parts; BENCH_SERVER_PROF=DIR writes the endpoint's CPU profile there.
 * `benchCloud` returns the figures for `npm run bench`; run alone: `node bench/cloud/run.ts [--quick]`.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  SERVER_FLAGS,
  SERVER_THREADPOOL_SIZE,
  YOUNG_GENERATION_FLAG,
  withServerMallocTunables,
} from "@fawkes/cli/process-flags";
import { renderTable, type Figure } from "../lib/figures.ts";
import { cpuMs, rssMiB } from "../lib/proc.ts";
import { summarize } from "../lib/stats.ts";
import { BENCH_KEY } from "./key.ts";
import { rawListAll } from "./raw-list.ts";

export interface CloudFigure {
  id: string;
  label: string;
  unit: string;
  samples: number[];
  /** `min`: higher is better; `max`: lower is better. */
  target: { min?: number; max?: number; text: string } | null;
  peer: string;
  note?: string;
}

const MiB = 1024 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
const AWS = process.env.FAWKES_TEST_AWS ?? (existsSync("/usr/bin/aws") ? "/usr/bin/aws" : "aws");

interface BenchServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServer(dataDir: string): Promise<BenchServer> {
  const profile = process.env.BENCH_SERVER_PROF;
  const profileFlags = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      YOUNG_GENERATION_FLAG,
      ...SERVER_FLAGS,
      ...profileFlags,
      path.join(here, "server.ts"),
      "--data-dir",
      dataDir,
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      // What `fawkes server` runs with (packages/cli/src/main.ts): its V8 flags, libuv threads and malloc, and the
      // compile cache, so that no thread loads the TypeScript stripper (worker threads hash large bodies).
      env: {
        ...process.env,
        UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? SERVER_THREADPOOL_SIZE,
        GLIBC_TUNABLES: withServerMallocTunables(process.env.GLIBC_TUNABLES),
        NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? path.join(tmpdir(), "node-compile-cache"),
      },
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`bench cloud server exited with ${code}`)));
  });
  const { url, pid } = JSON.parse(first) as { url: string; pid: number };
  return {
    url,
    pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const client = (url: string) =>
  new S3Client({
    endpoint: url,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: BENCH_KEY.accessKeyId, secretAccessKey: BENCH_KEY.secretAccessKey },
  });

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return (performance.now() - start) / 1000;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, maxBuffer: 16 * MiB }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${command} failed: ${stderr}`, { cause: error })) : resolve(),
    );
  });
}

/** A file of incompressible bytes (a 64 MiB random block repeated). */
async function makeFile(file: string, size: number): Promise<void> {
  const block = randomBytes(Math.min(size, 64 * MiB));
  const handle = await open(file, "w");
  try {
    for (let written = 0; written < size;) {
      const n = Math.min(block.length, size - written);
      await handle.write(block, 0, n);
      written += n;
    }
  } finally {
    await handle.close();
  }
}

/** Samples the server's RSS every 100 ms; returns the peak when stopped. */
function rssSampler(pid: number): { stop(): number } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssMiB(pid));
    },
  };
}

async function largeObject(
  server: BenchServer,
  dir: string,
  size: number,
  repeats: number,
): Promise<CloudFigure[]> {
  const source = path.join(dir, "source.bin");
  const target = path.join(dir, "target.bin");
  await makeFile(source, size);
  const s3 = client(server.url);
  const awsEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ACCESS_KEY_ID: BENCH_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_KEY.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: path.join(dir, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "aws-credentials"),
  };
  const aws = (...args: string[]) =>
    run(AWS, ["--endpoint-url", server.url, "--no-progress", ...args], awsEnv);
  const mbps = (seconds: number) => size / MiB / seconds;
  const copy: number[] = [];
  const ops = {
    sdkPut: [] as number[],
    sdkGet: [] as number[],
    cliPut: [] as number[],
    cliGet: [] as number[],
  };
  const rssBefore = rssMiB(server.pid);
  const sampler = rssSampler(server.pid);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: "large" }));
    for (let i = 0; i < repeats; i++) {
      copy.push(
        mbps(
          await timed(() =>
            run("dd", [`if=${source}`, `of=${target}`, "bs=4M", "conv=fsync", "status=none"]),
          ),
        ),
      );
      await rm(target, { force: true });
      ops.sdkPut.push(
        mbps(
          await timed(() =>
            s3.send(
              new PutObjectCommand({
                Bucket: "large",
                Key: "sdk.bin",
                Body: createReadStream(source, { highWaterMark: MiB }),
                ContentLength: size,
              }),
            ),
          ),
        ),
      );
      ops.sdkGet.push(
        mbps(
          await timed(async () => {
            const got = await s3.send(new GetObjectCommand({ Bucket: "large", Key: "sdk.bin" }));
            await pipeline(got.Body as NodeJS.ReadableStream, createWriteStream(target));
          }),
        ),
      );
      if ((await stat(target)).size !== size) throw new Error("SDK GET returned the wrong size");
      await rm(target, { force: true });
      ops.cliPut.push(mbps(await timed(() => aws("s3", "cp", source, "s3://large/cli.bin"))));
      ops.cliGet.push(mbps(await timed(() => aws("s3", "cp", "s3://large/cli.bin", target))));
      if ((await stat(target)).size !== size) throw new Error("awscli GET returned the wrong size");
      await rm(target, { force: true });
    }
  } finally {
    s3.destroy();
  }
  const rssPeak = sampler.stop();
  const rssAfter = rssMiB(server.pid);
  const copyMedian = summarize(copy).median;
  const gib = size >= 1024 * MiB ? `${size / (1024 * MiB)} GiB` : `${size / MiB} MiB`;
  const ratio = (label: string, id: string, samples: number[]): CloudFigure => ({
    id,
    label: `${label} ${gib}, % of local copy`,
    unit: "%",
    samples: samples.map((s) => (100 * s) / copyMedian),
    target: { min: 50, text: "≥ 50 %" },
    peer: "",
    note: `median ${summarize(samples).median.toFixed(0)} MiB/s`,
  });
  return [
    {
      id: "cloud.copy",
      label: `local file copy ${gib} (dd, fsync)`,
      unit: "MiB/s",
      samples: copy,
      target: null,
      peer: "",
    },
    ratio("SDK PutObject", "cloud.sdk-put", ops.sdkPut),
    ratio("SDK GetObject", "cloud.sdk-get", ops.sdkGet),
    ratio("awscli s3 cp up", "cloud.cli-put", ops.cliPut),
    ratio("awscli s3 cp down", "cloud.cli-get", ops.cliGet),
    {
      id: "cloud.rss-growth",
      label: `server RSS growth over the ${gib} transfers`,
      unit: "MiB",
      samples: [rssPeak - rssBefore],
      target: { max: 128, text: "flat (< 128 MiB)" },
      peer: "",
      note: `before ${rssBefore.toFixed(0)}, peak ${rssPeak.toFixed(0)}, after ${rssAfter.toFixed(0)} MiB`,
    },
  ];
}

/** `count` PUTs of `body` spread over `clients` SDK clients, each sending one request at a time. */
async function putMany(
  url: string,
  bucket: string,
  count: number,
  clients: number,
  key: (i: number) => string,
  body: Buffer,
): Promise<number> {
  const pool = Array.from({ length: clients }, () => client(url));
  let next = 0;
  try {
    return await timed(() =>
      Promise.all(
        pool.map(async (s3) => {
          for (let i = next++; i < count; i = next++)
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key(i), Body: body }));
        }),
      ),
    );
  } finally {
    for (const s3 of pool) s3.destroy();
  }
}

async function smallPuts(server: BenchServer, count: number): Promise<CloudFigure> {
  const s3 = client(server.url);
  await s3.send(new CreateBucketCommand({ Bucket: "small" }));
  s3.destroy();
  const body = randomBytes(4096);
  // Warm-up: connections, JIT, the bucket's index.
  await putMany(server.url, "small", 200, 16, (i) => `warm/${i}`, body);
  const serverCpu = cpuMs(server.pid);
  const clientCpu = process.cpuUsage();
  const seconds = await putMany(
    server.url,
    "small",
    count,
    16,
    (i) => `obj/${String(i).padStart(6, "0")}`,
    body,
  );
  return {
    id: "cloud.small-puts",
    label: `${count} × 4 KiB PUT, 16 SDK clients`,
    unit: "PUT/s",
    samples: [count / seconds],
    target: { min: 1000, text: "≥ 1,000 PUT/s" },
    peer: "",
    note: `CPU per PUT: SDK clients ${perPut(cpuSpentMs(clientCpu), count)} ms, server ${perPut(cpuMs(server.pid) - serverCpu, count)} ms`,
  };
}

function cpuSpentMs(since: NodeJS.CpuUsage): number {
  const spent = process.cpuUsage(since);
  return (spent.user + spent.system) / 1000;
}

const perPut = (ms: number, count: number): string => (ms / count).toFixed(2);

async function listing(server: BenchServer, keys: number, repeats: number): Promise<CloudFigure[]> {
  const s3 = client(server.url);
  await s3.send(new CreateBucketCommand({ Bucket: "listing" }));
  await putMany(
    server.url,
    "listing",
    keys,
    32,
    (i) => `builds/${String(i % 100).padStart(3, "0")}/artifact-${String(i).padStart(7, "0")}.jar`,
    Buffer.from("x"),
  );
  const samples: number[] = [];
  try {
    for (let r = 0; r < repeats; r++) {
      let seen = 0;
      const seconds = await timed(async () => {
        let token: string | undefined;
        do {
          const page = await s3.send(
            new ListObjectsV2Command({ Bucket: "listing", ContinuationToken: token }),
          );
          seen += page.KeyCount ?? 0;
          token = page.NextContinuationToken;
        } while (token);
      });
      if (seen !== keys) throw new Error(`listed ${seen} keys, expected ${keys}`);
      samples.push(keys / seconds);
    }
  } finally {
    s3.destroy();
  }
  const raw: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let seen = 0;
    const seconds = await timed(async () => {
      seen = await rawListAll(server.url, "listing");
    });
    if (seen !== keys) throw new Error(`listed ${seen} keys, expected ${keys}`);
    raw.push(keys / seconds);
  }
  const sdk: CloudFigure = {
    id: "cloud.list",
    label: `ListObjectsV2 over ${keys} keys (SDK, 1,000 a page)`,
    unit: "keys/s",
    samples,
    target: { min: 20_000, text: "≥ 20,000 keys/s" },
    peer: "",
    note: "bounded by the SDK's XML parsing in the client process",
  };
  return [
    sdk,
    {
      id: "cloud.list-raw",
      label: `ListObjectsV2 over ${keys} keys (raw SigV4 client)`,
      unit: "keys/s",
      samples: raw,
      target: { min: 20_000, text: "≥ 20,000 keys/s" },
      peer: "",
    },
  ];
}

/** Runs the cloud figures against a fresh endpoint process in a temp data directory (removed afterwards). */
export type CloudPart = "large" | "small" | "list";
const cloudParts: readonly CloudPart[] = ["large", "small", "list"];

export async function benchCloud(options: {
  quick: boolean;
  only?: readonly CloudPart[];
}): Promise<CloudFigure[]> {
  const only = new Set(options.only ?? cloudParts);
  const sizes = options.quick
    ? { large: 256 * MiB, repeats: 1, small: 2_000, keys: 20_000, listRepeats: 3 }
    : { large: 1024 * MiB, repeats: 2, small: 10_000, keys: 100_000, listRepeats: 3 };
  const dir = await mkdtemp(path.join(tmpdir(), "fawkes-bench-cloud-"));
  const server = await startServer(path.join(dir, "data"));
  try {
    const figures: CloudFigure[] = [];
    if (only.has("large")) figures.push(...(await largeObject(server, dir, sizes.large, sizes.repeats)));
    if (only.has("small")) figures.push(await smallPuts(server, sizes.small));
    if (only.has("list")) figures.push(...(await listing(server, sizes.keys, sizes.listRepeats)));
    return figures;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { quick: { type: "boolean", default: false }, only: { type: "string", multiple: true } },
  });
  const only = values.only?.map((part) => {
    if (!(cloudParts as readonly string[]).includes(part))
      throw new Error(`--only ${part}: expected one of ${cloudParts.join(", ")}`);
    return part as CloudPart;
  });
  const figures = await benchCloud({ quick: values.quick === true, only });
  const full: Figure[] = figures.map((f) => ({ ...f, summary: summarize(f.samples) }));
  console.log(renderTable(full));
  for (const f of figures) if (f.note) console.log(`  ${f.label}: ${f.note}`);
}
