/** Resources typed as `docker, linux  firefox` → ["docker", "linux", "firefox"] (pure). */
export function parseResources(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\s,]+/)) if (part !== "") seen.add(part);
  return [...seen];
}
