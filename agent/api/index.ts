export { type ApiServerOptions, buildApiServer } from './api-server';
export { httpFault } from './faults';
