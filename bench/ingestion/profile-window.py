"""The ingestion service's thread in the API round of bench.mjs, from a --cpu-prof profile of the bench's main thread.

Window: from the last sample under bench.mjs's messagesOf (the round's data made) to the first later sample under
its produce (the direct round). Each sample's time goes to a category by the frames of its stack; prints ms per 1,000
records. Usage: python3 bench/ingestion/profile-window.py MAIN.cpuprofile THOUSANDS_OF_RECORDS_IN_THE_ROUND
(bench/ingestion/README.md, issue 17.3, session 18; run with --rounds 1).
"""
import json, sys, collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
    for c in n.get('children',[]): parent[c]=n['id']
def stack(i):
    s=[]
    while i in nodes:
        s.append(nodes[i]); i=parent.get(i)
    return s
t=p['startTime']; times=[]
for d in p['timeDeltas']: t+=d; times.append(t)
samples=p['samples']
# window: after last sample under bench.mjs messagesOf, before first later sample under bench.mjs produce
def has(st, fn, url='bench.mjs'):
    return any(f['callFrame']['functionName']==fn and url in f['callFrame']['url'] for f in st)
stacks={}
def st(i):
    if i not in stacks: stacks[i]=stack(i)
    return stacks[i]
lastgen=max(k for k,s in enumerate(samples) if has(st(s),'messagesOf'))
firstprod=min(k for k,s in enumerate(samples) if k>lastgen and has(st(s),'produce'))
w0,w1=times[lastgen],times[firstprod]
print('window ms', (w1-w0)/1000)
def cat(s):
    leaf=s[0]['callFrame']; fn=leaf['functionName']; url=leaf['url']
    if fn in ('(idle)','(program)','(garbage collector)'): return fn
    urls=[f['callFrame']['url'] for f in s]; fns=[f['callFrame']['functionName'] for f in s]
    def any_url(x): return any(x in u for u in urls)
    if any_url('/kafkajs/'): return 'kafkajs'
    if any_url('/pg/') or any_url('pg-protocol') or any_url('database-pg'): return 'pg client'
    if 'parseJsonDelivery' in fns or 'parseJsonBody' in fns or any_url('body.parser'): return 'parse'
    if 'validateRecords' in fns: return 'validation'
    if any_url('avsc') or 'encodeWithPayloadBytes' in fns or any_url('payload-bytes') or 'payloadHash' in fns: return 'avro+hash+events'
    if any_url('fastify') or any_url('find-my-way') or any_url('light-my-request') or any_url('avvio'): return 'fastify'
    if any_url('node:_http') or any_url('node:net') or any_url('node:stream') or any_url('node:internal/streams'): return 'node http/net'
    if any_url('ingestion/dist'): return 'ingestion other'
    return 'other:'+(fn or '(anon)')+' '+url.split('/')[-1]
acc=collections.Counter(); busy=0
for k,s in enumerate(samples):
    if not (w0<=times[k]<=w1): continue
    dt=(times[k+1]-times[k]) if k+1<len(times) else 0
    c=cat(st(s)); acc[c]+=dt
n=float(sys.argv[2])  # records in window (thousands)
tot=sum(v for c,v in acc.items() if c!='(idle)')
print('busy ms per 1000:', round(tot/1000/n,1), 'idle', round(acc['(idle)']/1000/n,1))
others=collections.Counter()
for c,v in acc.most_common():
    if c.startswith('other:'): others['other']+=v
for c,v in acc.most_common(25):
    print(f'{c:40s} {v/1000/n:6.1f}')
print('other* total', round(others['other']/1000/n,1))
