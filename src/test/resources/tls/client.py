"""A TLS client on Python's ssl module, for evbase's tests.

    python3 client.py HOST PORT CAFILE [--tls 1.2|1.3] [--cert FILE --key FILE] [--send TEXT] [--expect N]
                      [--repeat K] [--until-close yes]

Connects (checking the server's certificate against CAFILE and its name, localhost), sends TEXT (with \\r\\n
escapes) K times, reads until N bytes arrived per send, sends close_notify and prints one line of JSON: the
negotiated protocol and cipher, the bytes received (text), and whether the server answered close_notify. With
--until-close, reads instead until the server closes and reports whether it sent close_notify before its FIN
(serverCloseNotify). Exit status 2 with the error on stderr if the handshake fails.
"""
import json
import socket
import ssl
import sys


def main():
    args = sys.argv[1:]
    host, port, cafile = args[0], int(args[1]), args[2]
    opts = {}
    i = 3
    while i < len(args):
        opts[args[i]] = args[i + 1]
        i += 2
    ctx = ssl.create_default_context(cafile=cafile)
    if opts.get('--tls') == '1.2':
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif opts.get('--tls') == '1.3':
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if '--cert' in opts:
        ctx.load_cert_chain(opts['--cert'], opts['--key'])
    send = opts.get('--send', '').encode('latin-1').decode('unicode_escape').encode('latin-1')
    expect = int(opts.get('--expect', len(send)))
    repeat = int(opts.get('--repeat', '1'))
    until_close = opts.get('--until-close') == 'yes'
    raw = socket.create_connection((host, port), timeout=20)
    try:
        tls = ctx.wrap_socket(raw, server_hostname='localhost', suppress_ragged_eofs=not until_close)
        # TLS 1.3 reports a missing client certificate only at the first read: read once before failing over.
        received = b''
        for _ in range(repeat):
            if send:
                tls.sendall(send)
            want = len(received) + expect
            while len(received) < want:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                received += chunk
        result = {'protocol': tls.version(), 'cipher': tls.cipher()[0], 'received': received.decode('latin-1')}
        if until_close:
            try:
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                result['serverCloseNotify'] = True
            except ssl.SSLEOFError:
                result['serverCloseNotify'] = False
            result['received'] = received.decode('latin-1')
            print(json.dumps(result))
            return
        try:
            tls.unwrap()  # close_notify, and the server's in return
            result['closeNotify'] = True
        except (ssl.SSLError, OSError) as e:
            result['closeNotify'] = False
        print(json.dumps(result))
    except (ssl.SSLError, OSError) as e:
        print(type(e).__name__ + ': ' + str(e), file=sys.stderr)
        sys.exit(2)
    finally:
        raw.close()


if __name__ == '__main__':
    main()
