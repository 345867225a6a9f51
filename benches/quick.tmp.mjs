import fs from 'node:fs';
import { Gate } from '/work/main/pkg/index.node.js';
import { createVerifier } from 'fast-jwt';
const f = JSON.parse(fs.readFileSync('/work/main/target/bench/tokens.json','utf8'));
const tok = f.tokens.spec.token, ba = f.tokens.betterAuth;
const g = new Gate({ secret: f.secret }), g0 = new Gate({ secret: f.secret, cacheSize: 0 });
const fj = createVerifier({ key: f.secret, algorithms: ['HS256'], requiredClaims: ['sub','email'] });
const fjc = createVerifier({ key: f.secret, algorithms: ['HS256'], requiredClaims: ['sub','email'], cache: true });
function bench(name, fn, n=200000){ for(let i=0;i<20000;i++) fn(); const t=process.hrtime.bigint(); for(let i=0;i<n;i++) fn(); console.log(name.padEnd(24), (Number(process.hrtime.bigint()-t)/n).toFixed(0),'ns'); }
for (let r=0;r<2;r++){
bench('gate cached', ()=>g.verify(tok));
bench('gate uncached', ()=>g0.verify(tok));
bench('fast-jwt', ()=>fj(tok));
bench('fast-jwt cache', ()=>fjc(tok));
bench('authorize cached', ()=>g.authorize({method:'GET', url:`/api/v1/${f.tokens.spec.sub}/tasks`, headers:{authorization:'Bearer '+tok}}));
}
console.log(Object.isFrozen(g.verify(tok)), g.verify(tok) === g.verify(tok));
