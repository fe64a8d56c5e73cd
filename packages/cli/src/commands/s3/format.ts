/** awscli's number and date formats, so `fawkes s3` output reads like `aws s3`. */

const SUFFIXES = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** `1 Byte`, `512 Bytes`, `1.5 KiB`, `12.0 MiB` — awscli's `human_readable_size`. */
export function humanReadableSize(bytes: number): string {
  if (bytes === 1) return "1 Byte";
  if (bytes < 1024) return `${Math.floor(bytes)} Bytes`;
  for (const [index, suffix] of SUFFIXES.entries()) {
    const unit = 1024 ** (index + 2);
    if (Math.round((bytes / unit) * 1024) < 1024 || index === SUFFIXES.length - 1)
      return `${((1024 * bytes) / unit).toFixed(1)} ${suffix}`;
  }
  return `${bytes} Bytes`;
}

/** `2024-05-01 13:04:05` in local time, as `aws s3 ls` prints LastModified and CreationDate. */
export function localDateTime(date: Date | undefined): string {
  if (date === undefined) return "                   ";
  const pad = (value: number) => String(value).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
