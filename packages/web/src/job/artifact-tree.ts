/** A job's flat artifact list as a directory tree (pure: tested under node:test). */

export interface ArtifactEntry {
  path: string;
  size: number;
}

export interface ArtifactDir {
  name: string;
  /** `/`-separated path from the artifact root ("" for the root). */
  path: string;
  dirs: ArtifactDir[];
  files: (ArtifactEntry & { name: string })[];
  /** Total bytes below this directory. */
  size: number;
}

/** Directories first, then files, each sorted by name. */
export function buildArtifactTree(files: readonly ArtifactEntry[]): ArtifactDir {
  const root: ArtifactDir = { name: "", path: "", dirs: [], files: [], size: 0 };
  for (const file of files) {
    const parts = file.path.split("/").filter((part) => part !== "");
    const name = parts.pop();
    if (name === undefined) continue;
    let dir = root;
    root.size += file.size;
    for (const part of parts) {
      let child = dir.dirs.find((candidate) => candidate.name === part);
      if (child === undefined) {
        child = {
          name: part,
          path: dir.path === "" ? part : `${dir.path}/${part}`,
          dirs: [],
          files: [],
          size: 0,
        };
        dir.dirs.push(child);
      }
      child.size += file.size;
      dir = child;
    }
    dir.files.push({ ...file, name });
  }
  sortTree(root);
  return root;
}

function sortTree(dir: ArtifactDir): void {
  dir.dirs.sort((a, b) => a.name.localeCompare(b.name));
  dir.files.sort((a, b) => a.name.localeCompare(b.name));
  for (const child of dir.dirs) sortTree(child);
}

/** The download URL of one artifact: the route's `*` becomes the URI-encoded path segments. */
export function artifactFileUrl(routeWithParams: string, path: string): string {
  const encoded = path
    .split("/")
    .filter((part) => part !== "")
    .map((part) => encodeURIComponent(part))
    .join("/");
  return routeWithParams.replace(/\*$/, encoded);
}
