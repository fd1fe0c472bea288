/** Builds dist/ once before the suite: CLI and subprocess tests run the built node. */
import { execFileSync } from 'node:child_process'

export default function setup (): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
}
