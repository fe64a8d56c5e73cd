/** The files under a local directory or an S3 prefix, keyed by their `/`-separated path below it. */
import { opendir, stat } from "node:fs/promises";
import { join } from "node:path";
import { ListObjectsV2Command, type _Object, type S3Client } from "@aws-sdk/client-s3";

export interface FileEntry {
  /** Path below the listed directory or prefix, `/`-separated. */
  relativePath: string;
  size: number;
  /** Local mtime or the object's LastModified, epoch ms. */
  modifiedMs: number;
}

/** Regular files below `root`, following symbolic links as awscli does; a missing root lists nothing. */
export async function listLocalFiles(root: string): Promise<Map<string, FileEntry>> {
  const entries = new Map<string, FileEntry>();
  const rootStat = await stat(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (rootStat === undefined) return entries;
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a directory`);
  const visited = new Set<string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const dirStat = await stat(dir);
    // A symlink loop would otherwise recurse forever.
    const identity = `${dirStat.dev}:${dirStat.ino}`;
    if (visited.has(identity)) return;
    visited.add(identity);
    for await (const dirent of await opendir(dir)) {
      const path = join(dir, dirent.name);
      const relativePath = prefix + dirent.name;
      const info = await stat(path).catch(() => undefined); // dangling link: skip
      if (info === undefined) continue;
      if (info.isDirectory()) await walk(path, `${relativePath}/`);
      else if (info.isFile())
        entries.set(relativePath, { relativePath, size: info.size, modifiedMs: info.mtimeMs });
    }
  };
  await walk(root, "");
  return entries;
}

/** Every object whose key starts with `prefix`, page by page. */
export async function* listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<_Object> {
  let continuationToken: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        ...(prefix === "" ? {} : { Prefix: prefix }),
        ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
      }),
    );
    for (const object of page.Contents ?? []) yield object;
    continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
}

/** Objects below a directory prefix (`""` or ending with `/`); folder markers (keys ending with `/`) are skipped. */
export async function listRemoteFiles(
  client: S3Client,
  bucket: string,
  directoryPrefix: string,
): Promise<Map<string, FileEntry>> {
  const entries = new Map<string, FileEntry>();
  for await (const object of listObjects(client, bucket, directoryPrefix)) {
    const key = object.Key ?? "";
    const relativePath = key.slice(directoryPrefix.length);
    if (relativePath === "" || relativePath.endsWith("/")) continue;
    entries.set(relativePath, {
      relativePath,
      size: object.Size ?? 0,
      modifiedMs: object.LastModified?.getTime() ?? 0,
    });
  }
  return entries;
}
