export async function run(_argv: Record<string, unknown>): Promise<number> {
  throw new Error("not yet");
}
