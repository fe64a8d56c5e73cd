/** Said on the pages of a pipeline whose configuration is gone: its history stays, its commands do not. */
export function NotConfiguredNotice({ pipeline }: { pipeline: string }) {
  return (
    <p className="notice notice-archived">
      No configuration defines <strong>{pipeline}</strong> any more: its history stays readable, but it can no
      longer be triggered, rerun or approved.
    </p>
  );
}
