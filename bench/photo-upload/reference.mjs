// The reference tus server for the photo upload benchmark: the official Node server
// (@tus/server) with its file store, on 127.0.0.1:PORT at /files, storing under DIR.
// Usage: node reference.mjs PORT DIR
// The file store writes with Node's file streams and never calls fsync: an acknowledged
// chunk may still be only in the page cache. yiwang-server fsyncs before it acknowledges.
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [port, directory] = process.argv.slice(2);
if (!port || !directory) {
  console.error('usage: node reference.mjs PORT DIR');
  process.exit(2);
}
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const server = http.createServer((req, res) => tus.handle(req, res));
server.listen(Number(port), '127.0.0.1', () => console.log(`reference tus server on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
