// pngjs ships no types; the tests use only PNG.sync.read.
declare module 'pngjs' {
  export class PNG {
    width: number
    height: number
    data: Buffer
    static sync: { read(buffer: Buffer): PNG }
  }
}
