export { ArtifactStore, type ArtifactStoreOptions } from "./artifact-store.ts";
export { MANIFEST_NAME, type ArtifactFile } from "./manifest.ts";
export { safePath } from "./safe-path.ts";
export { jobDirectory, jobKey } from "./job-dir.ts";
