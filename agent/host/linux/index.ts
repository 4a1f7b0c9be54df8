export { LinuxHost, type LinuxHostOptions } from './linux-host';
