// Loads every .proto the edge serves from PROTO_DIR at startup (the protos ship with the gateway
// image): the dailyfeed packages, whose google.api.http bindings are the route table, and
// google.rpc for error details. google/protobuf/* come from protobufjs' bundled copies.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import protobuf from 'protobufjs';

const bundledDir = dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));

export async function loadProtoRoot(protoDir: string): Promise<protobuf.Root> {
  if (!existsSync(join(protoDir, 'dailyfeed'))) throw new Error(`PROTO_DIR ${protoDir} has no dailyfeed/ folder`);
  const files = [...protoFilesUnder(join(protoDir, 'dailyfeed')), ...protoFilesUnder(join(protoDir, 'google', 'rpc'))].map((f) => relative(protoDir, f));
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    const local = join(protoDir, target);
    if (existsSync(local)) return local;
    return join(bundledDir, target);
  };
  // keepCase: field names stay as in the .proto (snake_case), jsonName carries the JSON name;
  // alternateCommentMode: `//` comments become descriptions in the OpenAPI document.
  await root.load(files, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  return root;
}

function protoFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.proto'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
