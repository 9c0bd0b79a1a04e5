/*
 * Test-only Windows program for tests/wine_smoke.rs: listens on 127.0.0.1 at the first free
 * port from FIRST_PORT on (100 tries), prints the port, and exits by itself after SECONDS (the
 * test kills it sooner). A listener started under Wine must show in the Windows build's
 * socket table. Usage: listener.exe SECONDS FIRST_PORT
 */
#include <winsock2.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    WSADATA wsa;
    struct sockaddr_in addr;
    int len = sizeof(addr);
    int seconds = argc > 1 ? atoi(argv[1]) : 30;
    int first = argc > 2 ? atoi(argv[2]) : 20000;
    int port;
    SOCKET s;

    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return 2;
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET)
        return 3;
    for (port = first; port < first + 100 && port < 65536; port++) {
        memset(&addr, 0, sizeof(addr));
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons((u_short)port);
        if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            break;
    }
    if (port >= first + 100 || port >= 65536 || listen(s, 8) != 0)
        return 4;
    if (getsockname(s, (struct sockaddr *)&addr, &len) != 0)
        return 5;
    printf("%u\n", ntohs(addr.sin_port));
    fflush(stdout);
    Sleep(seconds > 0 && seconds < 600 ? seconds * 1000 : 30000);
    closesocket(s);
    WSACleanup();
    return 0;
}
