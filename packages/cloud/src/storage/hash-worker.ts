/**
 * Worker thread of hash-offload.ts: hashes (MD5 for the ETag, the SigV4 payload SHA-256, flexible checksums)
 * and writes large upload bodies, so the event loop only receives them. Runs several uploads interleaved.
 */
import { createHash, type Hash } from "node:crypto";
import { writeSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { createChecksummer, type ChecksumAlgorithm, type Checksummer } from "../checksums/checksum.ts";
import type { FromWorker, ToWorker } from "./hash-offload.ts";

interface Job {
  fd: number;
  position: number;
  md5: Hash;
  sha256: Hash | undefined;
  summers: Map<ChecksumAlgorithm, Checksummer>;
  error: string | undefined;
}

const jobs = new Map<number, Job>();
const port = parentPort!;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "start":
      jobs.set(message.id, {
        fd: message.fd,
        position: 0,
        md5: createHash("md5"),
        sha256: message.sha256 ? createHash("sha256") : undefined,
        summers: new Map(message.algorithms.map((a) => [a, createChecksummer(a)])),
        error: undefined,
      });
      return;
    case "data": {
      const job = jobs.get(message.id);
      if (job && job.error === undefined) {
        const data = new Uint8Array(message.buffer, 0, message.length);
        job.md5.update(data);
        job.sha256?.update(data);
        for (const summer of job.summers.values()) summer.update(data);
        try {
          for (let done = 0; done < data.length;)
            done += writeSync(job.fd, data, done, data.length - done, job.position + done);
        } catch (error) {
          job.error = (error as Error).message;
        }
        job.position += data.length;
      }
      post({ type: "ack", id: message.id, buffer: message.buffer, error: job?.error }, [message.buffer]);
      return;
    }
    case "end": {
      const job = jobs.get(message.id);
      jobs.delete(message.id);
      if (!job) return;
      const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
      for (const [algorithm, summer] of job.summers)
        checksums[algorithm] = summer.digest().toString("base64");
      post({
        type: "done",
        id: message.id,
        error: job.error,
        md5: job.md5.digest("hex"),
        sha256: job.sha256?.digest("hex"),
        checksums,
      });
      return;
    }
  }
});
