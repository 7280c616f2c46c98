/**
 * The one place that reads `.env` and `process.env` (for `npm start` and `npm run check`): everything
 * else gets a parsed `Config`.
 */
import { config as loadDotenv } from 'dotenv'
import { ConfigError, parseConfig, type Config } from './config.ts'

/**
 * `.env` (never overriding variables already set) plus the environment, parsed. On invalid settings it
 * prints every problem to stderr and exits the process with code 2.
 */
export function configFromEnvironment(): Config {
  loadDotenv({ quiet: true })
  try {
    return parseConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
}
