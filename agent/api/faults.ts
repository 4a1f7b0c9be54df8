import { type Fault, fault } from '../../protocol';

/** Werkzeug's reason phrases and default descriptions, which IPA's faultstrings carry. */
const HTTP_TEXT: Readonly<Record<number, [string, string]>> = {
  400: [
    'Bad Request',
    'The browser (or proxy) sent a request that this server could not understand.',
  ],
  401: [
    'Unauthorized',
    "The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required.",
  ],
  404: [
    'Not Found',
    'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
  ],
  405: ['Method Not Allowed', 'The method is not allowed for the requested URL.'],
  413: ['Request Entity Too Large', 'The data value transmitted exceeds the capacity limit.'],
  415: [
    'Unsupported Media Type',
    'The server does not support the media type transmitted in the request.',
  ],
  500: [
    'Internal Server Error',
    'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.',
  ],
  503: [
    'Service Unavailable',
    'The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.',
  ],
};

/** A werkzeug HTTPException as IPA renders it: `"<code> <reason>: <description>"`. */
export function httpFault(status: number, description?: string): Fault {
  const [reason, fallback] = HTTP_TEXT[status] ?? ['Error', 'An error occurred.'];
  return fault(status, `${status} ${reason}: ${description ?? fallback}`);
}
