#!/usr/bin/env node
// Runs the TypeScript sources directly: Node 20 has no type stripping, so tsx registers
// a loader for this process only.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
