/**
 * The data directory is private to the server's user: the directory 0700, and nothing in it open to group or
 * others. New files are created private by each writer (explicit modes, 0600 files and 0700 directories); the
 * process umask is left alone on purpose, since jobs, agents started by `fawkes up` and phoenix instances
 * inherit it, and their files (packaged builds, installed apps) must keep the modes their authors expect.
 *
 * Directories written before this (a data directory from an older Fawkes, or one copied with another umask)
 * are tightened at start: the first start walks the whole tree once and leaves `.private` behind, later starts
 * only check the directory itself and its top-level entries (cheap: an artifact store can hold millions of
 * files). Tightening removes group and other bits and keeps the owner's (an artifact's executable bit stays).
 * `instances/` is not entered: its entries are the writable roots of running phoenix instances, guarded by the
 * 0700 directories above them.
 */
import { chmod, lstat, mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";

const MARKER = ".private";
const NOT_ENTERED = new Set(["instances"]);
/**
 * Created 0700 here, before their owners create them: a directory made by `mkdir -p` or by git would follow the
 * umask, and git (server mirrors, under `materials/`) writes its files by the umask too.
 */
const SUBDIRECTORIES = ["keys", "materials", "logs", "artifacts", "buckets"];

export interface Tightened {
  /** How many entries had group or other permissions. */
  count: number;
  /** The first few of them (relative to the data directory, `.` for itself), for the log line. */
  examples: string[];
}

const EXAMPLES = 5;

/** Makes the data directory private. */
export async function tightenDataDir(dataDir: string): Promise<Tightened> {
  const tightened: Tightened = { count: 0, examples: [] };
  const tighten = async (entry: string): Promise<boolean> => {
    const stats = await lstat(entry).catch(() => null);
    if (!stats || stats.isSymbolicLink()) return false;
    if ((stats.mode & 0o077) !== 0) {
      await chmod(entry, stats.mode & 0o700);
      tightened.count += 1;
      if (tightened.examples.length < EXAMPLES)
        tightened.examples.push(
          `${path.relative(dataDir, entry) || "."} (was ${(stats.mode & 0o777).toString(8)})`,
        );
    }
    return stats.isDirectory();
  };
  const walk = async (dir: string, topLevel: boolean): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [])) {
      const entry = path.join(dir, name);
      const isDirectory = await tighten(entry);
      if (isDirectory && !(topLevel && NOT_ENTERED.has(name))) await walk(entry, false);
    }
  };
  await tighten(dataDir);
  const walked = await lstat(path.join(dataDir, MARKER)).then(
    () => true,
    () => false,
  );
  if (walked) {
    for (const name of await readdir(dataDir)) await tighten(path.join(dataDir, name));
  } else {
    await walk(dataDir, true);
    await writeFile(path.join(dataDir, MARKER), "the data directory's permissions were tightened\n", {
      mode: 0o600,
    });
  }
  for (const name of SUBDIRECTORIES) await mkdir(path.join(dataDir, name), { recursive: true, mode: 0o700 });
  return tightened;
}
