/** Anything that can show the output it captured (server and agent processes). */
export interface HasOutput {
  output(): string;
}

/**
 * Run a scenario; if it fails, rethrow with the captured output of the processes involved appended, so a red
 * test shows what the server and agents printed.
 */
export async function withProcessOutput<T>(
  sources: () => HasOutput[],
  scenario: () => Promise<T>,
): Promise<T> {
  try {
    return await scenario();
  } catch (error) {
    const outputs = sources().map((source) => source.output());
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = new Error(`${message}\n\n${outputs.join("\n\n")}`, { cause: error });
    if (error instanceof Error && error.stack !== undefined)
      wrapped.stack = `${wrapped.message}\n${error.stack}`;
    throw wrapped;
  }
}
