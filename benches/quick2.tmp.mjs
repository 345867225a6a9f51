import fs from 'node:fs';
import '/work/main/pkg/index.node.js';
import { GateCore, wasmMemory } from '/work/main/pkg/jwtgate_wasm.js';
const f = JSON.parse(fs.readFileSync('/work/main/target/bench/tokens.json','utf8'));
const tok = f.tokens.spec.token;
const c = new GateCore(f.secret, [], undefined, undefined, undefined, 0, 900, 1800, undefined, 256);
const c0 = new GateCore(f.secret, [], undefined, undefined, undefined, 0, 900, 1800, undefined, 0);
const enc = new TextEncoder();
for (const core of [c, c0]) { const view = new Uint8Array(wasmMemory().buffer, core.inputPtr(), core.inputCapacity()); enc.encodeInto(tok, view); }
const now = Math.floor(Date.now()/1000);
function bench(name, fn, n=300000){ for(let i=0;i<20000;i++) fn(); const t=process.hrtime.bigint(); for(let i=0;i<n;i++) fn(); console.log(name.padEnd(24), (Number(process.hrtime.bigint()-t)/n).toFixed(0),'ns'); }
const view = new Uint8Array(wasmMemory().buffer, c.inputPtr(), c.inputCapacity());
for (let r=0;r<2;r++){
bench('verifyInput cached', ()=>c.verifyInput(tok.length, now));
bench('verifyInput uncached', ()=>c0.verifyInput(tok.length, now));
bench('encodeInto', ()=>enc.encodeInto(tok, view));
bench('Date.now', ()=>Math.floor(Date.now()/1000));
}
