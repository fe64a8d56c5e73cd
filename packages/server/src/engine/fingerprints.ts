import { createHmac } from "node:crypto";
import type { DependencyMaterial, GitMaterial } from "@fawkes/core";
import { redactUrl } from "../materials/redact.ts";

/**
 * Identifies a git material across pipelines (the same repository and branch): `<redacted url>#<branch>#<hash>`,
 * where the hash is an HMAC of the full URL and branch under a key derived from the data key. Fingerprints go
 * into logs, events, the value stream map's ids and the database, so they must not carry the URL's credentials;
 * the keyed hash keeps two URLs that differ only in credentials apart without telling anything about them.
 */
export interface MaterialFingerprints {
  git(material: Pick<GitMaterial, "url" | "branch">): string;
  /** A config repository (`url` or `url#branch` as configured). */
  configSource(source: string): string;
}

export function materialFingerprints(dataKey: Buffer): MaterialFingerprints {
  const key = createHmac("sha256", dataKey).update("fawkes material fingerprint v1").digest();
  const hash = (text: string): string =>
    createHmac("sha256", key).update(text, "utf8").digest("hex").slice(0, 16);
  return {
    git: ({ url, branch }) => `${redactUrl(url)}#${branch}#${hash(`${url}\n${branch}`)}`,
    configSource: (source) => `config:${redactUrl(source)}#${hash(`config\n${source}`)}`,
  };
}

export const dependencyFingerprint = (m: Pick<DependencyMaterial, "pipeline" | "stage">): string =>
  `${m.pipeline}/${m.stage}`;
/** GoCD's dependency revision: `pipeline/counter/stage/stageCounter`. */
export const dependencyRevision = (s: {
  pipeline: string;
  pipelineCounter: number;
  name: string;
  counter: number;
}): string => `${s.pipeline}/${s.pipelineCounter}/${s.name}/${s.counter}`;
