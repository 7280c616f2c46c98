/**
 * Just enough typing for @20minutes/s3rver 4.0.4 (it ships none), as used by `s3-server.ts`.
 * Checked against node_modules/@20minutes/s3rver/lib/{s3rver.js,models/account.js,stores/filesystem.js}.
 */
declare module '@20minutes/s3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  interface S3rverOptions {
    address?: string
    port?: number
    silent?: boolean
    directory?: string
    resetOnClose?: boolean
    allowMismatchedSignatures?: boolean
    vhostBuckets?: boolean
    serviceEndpoint?: string
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[]
  }

  class S3rver {
    constructor(options?: S3rverOptions)
    /** Koa's request listener: the whole S3 app, without a server around it. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    /** Creates the buckets listed in `configureBuckets` (what `run()` does before listening). */
    configureBuckets(): Promise<unknown>
    readonly logger: { close(): void }
    readonly store: {
      rootDirectory: string
      /** `<root>/<bucket>/<dirs of key>/<last part of key>._S3rver_<resource>` */
      getResourcePath(bucket: string, key: string | undefined, resource: string): string
    }
  }
  export default S3rver
}

declare module '@20minutes/s3rver/lib/models/account.js' {
  interface AWSAccount {
    accessKeys: Map<string, string>
    createKeyPair(accessKeyId: string, secretAccessKey: string): void
    revokeAccessKey(accessKeyId: string): void
  }
  const account: {
    /** Process-global: access key id → account. s3rver looks keys up here when it checks a signature. */
    registry: Map<string, AWSAccount>
    DUMMY_ACCOUNT: AWSAccount
  }
  export default account
}
