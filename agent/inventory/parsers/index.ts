export { type LsblkDevice, parseLsblk, selectInventoryDisks } from './lsblk';
export { type CpuinfoSummary, parseCpuinfo, parseKeyValueLines, parseLscpu } from './lscpu';
export { parseMemTotal } from './meminfo';
export { parseDmidecodeMemoryMb } from './dmidecode';
export { type IpLinkInfo, parseIpAddr } from './ip-addr';
export { type LanPrint, parseLan6Addresses, parseLanPrint } from './ipmitool';
export { parseUdevProperties } from './udev';
