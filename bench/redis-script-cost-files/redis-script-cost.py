"""What each hot-path step costs Redis' main thread, as the scripts did it and as plain commands: publish (1,000
messages a call), poll (50 entries a call over a queue's 3 streams), store (50 records a call, store-unless-final)
and ack (50 entries). Raw RESP over one socket, so no client library is measured. The removed publish.lua is read
from git (the commit before it went). Usage: python3 redis-script-cost.py PORT (a private redis-server)."""
import socket, sys, os, time, subprocess
HERE = os.path.dirname(os.path.abspath(__file__))
R = os.path.join(HERE, '..', '..', 'redis', 'src', 'main', 'resources', 'dev', 'amdahl', 'redis', 'internal') + '/'
def load(f):
    if os.path.exists(R + f):
        return open(R + f).read()
    return subprocess.run(['git', 'show', 'ba71a04~1:redis/src/main/resources/dev/amdahl/redis/internal/' + f],
                          cwd=HERE, capture_output=True, text=True, check=True).stdout
def script(f, helpers=''): return "local PUBLISH = 'PUBLISH'\n"+load('common.lua')+"\n"+helpers+"\n"+load(f)
PORT=int(sys.argv[1])
s=socket.create_connection(('127.0.0.1',PORT))
def enc(*args):
    out=[b'*%d\r\n'%len(args)]
    for a in args:
        if isinstance(a,str): a=a.encode()
        elif isinstance(a,int): a=str(a).encode()
        out.append(b'$%d\r\n'%len(a)); out.append(a); out.append(b'\r\n')
    return b''.join(out)
buf=b''
def readreply():
    global buf
    def line():
        global buf
        while b'\r\n' not in buf: buf+=s.recv(1<<20)
        i=buf.index(b'\r\n'); l=buf[:i]; buf=buf[i+2:]; return l
    l=line(); t=l[:1]
    if t in b'+-:': return l
    if t==b'$':
        n=int(l[1:])
        if n<0: return None
        while len(buf)<n+2: buf+=s.recv(1<<20)
        v=buf[:n]; buf=buf[n+2:]; return v
    if t==b'*':
        n=int(l[1:]); return None if n<0 else [readreply() for _ in range(n)]
def cmds(lst):
    s.sendall(b''.join(enc(*c) for c in lst)); return [readreply() for _ in lst]
def stats():
    info=cmds([('INFO','commandstats'),('INFO','cpu')])
    st={}
    for l in info[0].decode().split('\r\n'):
        if l.startswith('cmdstat_'):
            n,rest=l[8:].split(':',1); d=dict(x.split('=') for x in rest.split(','))
            st[n]=(int(d['calls']),int(d['usec']))
    cpu={}
    for l in info[1].decode().split('\r\n'):
        if ':' in l: k,v=l.split(':'); cpu[k]=v
    return st, float(cpu['used_cpu_user_main_thread'])+float(cpu['used_cpu_sys_main_thread'])
def measure(name, fn, n):
    a,ca=stats(); t=time.time(); fn(); b,cb=stats()
    parts=[]; tot=0
    for k,(c,u) in b.items():
        c0,u0=a.get(k,(0,0))
        if c-c0>0 and k!='info': parts.append('%s %.2f/%.2f'%(k,(c-c0)/n,(u-u0)/n)); 
        if k in ('evalsha','eval','xadd','xreadgroup','set','publish','xack','xdel','mget','zadd','xtrim') and c-c0>0:
            pass
    top=sum((u-a.get(k,(0,0))[1]) for k,(c,u) in b.items() if k in ('evalsha','xadd','xreadgroup','set','publish','xack','xdel','mget','xtrim','multi','exec','zadd','get'))
    print('%-28s main-thread %.2f us/task; top-level-ish %s' % (name,(cb-ca)*1e6/n, ' '.join(parts)))
body=b'{"id":"' + b'x'*36 + b'","task":"noop","args":[1],"kwargs":{},' + b'y'*220 + b'}'
rec=b'SUCCESS {"id":"'+b'x'*36+b'",' + b'z'*300 + b'}'
N=20000; B=50
P='mb%d'%os.getpid()
pub=script('publish.lua'); poll=script('poll.lua'); ack=script('ack.lua')
sc=load('store-common.lua'); store=script('store-unless-final.lua', sc)
sha={}
for k,v in (('pub',pub),('poll',poll),('ack',ack),('store',store)):
    sha[k]=cmds([('SCRIPT','LOAD',v)])[0].decode()
def streams(q): return [P+':q:'+q+':2',P+':q:'+q+':1',P+':q:'+q+':0']
for q in ('a','b'):
    for st in streams(q): cmds([('XGROUP','CREATE',st,'workers','0','MKSTREAM')])
def pub_script():
    for f in range(0,N,1000):
        args=['3']
        for i in range(1000): args+=['n','id%d'%(f+i),'5',body]
        cmds([('EVALSHA',sha['pub'],4,P+':q:a:delayed',*streams('a'),*args)])
def pub_plain():
    for f in range(0,N,1000):
        cmds([('XADD',streams('b')[1],'*','id','id%d'%(f+i),'body',body,'prio','5') for i in range(1000)])
measure('publish script',pub_script,N); measure('publish XADD pipelined',pub_plain,N)
eids={'a':[],'b':[]}
def poll_script():
    got=0
    while got<N:
        r=cmds([('EVALSHA',sha['poll'],5,P+':q:a:delayed',P+':q:a:dead',*streams('a'),'workers','c1',B,int(time.time()*1000),3,'0',60000,5,B,1000,0)])[0]
        for e in r[1]: eids['a'].append(e[2])
        got+=len(r[1])
def poll_plain():
    got=0
    st=streams('b')
    while got<N:
        r=cmds([('XREADGROUP','GROUP','workers','c1','COUNT',B,'STREAMS',*st,'>','>','>')])[0]
        for stream in r:
            for e in stream[1]: eids['b'].append(e[0]); got+=1
measure('poll script',poll_script,N); measure('poll XREADGROUP',poll_plain,N)
def store_script(q):
    for f in range(0,N,B):
        keys=[P+':revoked']+[P+':r:%s%d'%(q,f+i) for i in range(B)]
        notice=b'B'+b''.join(len(rec).to_bytes(4,'big')+b'R'+rec for i in range(B))
        args=['86400000','ch:ready','ch:update',int(time.time()*1000),notice,'']
        for i in range(B): args+=[rec,'F','']
        cmds([('EVALSHA',sha['store'],len(keys),*keys,*args)])
def store_plain(q):
    for f in range(0,N,B):
        notice=b'B'+b''.join(len(rec).to_bytes(4,'big')+b'R'+rec for i in range(B))
        cmds([('SET',P+':r:%s%d'%(q,f+i),rec,'NX','PX','86400000') for i in range(B)]+[('PUBLISH','ch:ready',notice)])
measure('store script',lambda:store_script('a'),N); measure('store SET NX + PUBLISH',lambda:store_plain('b'),N)
def ack_script():
    e=eids['a']
    for f in range(0,N,B):
        cmds([('EVALSHA',sha['ack'],1,streams('a')[1],'workers',*e[f:f+B])])
def ack_plain():
    e=eids['b']
    for f in range(0,N,B):
        cmds([('XACK',streams('b')[1],'workers',*e[f:f+B]),('XDEL',streams('b')[1],*e[f:f+B])])
measure('ack script',ack_script,N); measure('ack XACK+XDEL plain',ack_plain,N)
print('xlen a', cmds([('XLEN',streams('a')[1])]), 'b', cmds([('XLEN',streams('b')[1])]))
