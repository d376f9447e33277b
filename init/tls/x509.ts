// The X.509 library, loaded one way for every module that uses it.
//
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect
// metadata API before it is first loaded: this module imports the polyfill first, so
// whichever module loads the library first, the order is right. Its crypto is Node's
// own WebCrypto (native code), set explicitly rather than found on globalThis.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
