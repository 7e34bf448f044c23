/*
 * Where xen-vector-runner and its stand-in libxenctrl (standin/standin.c) meet <xenctrl.h>: both include this file,
 * so that the stand-in's definitions are checked against the very declarations the runner calls. The header is the
 * real one (Debian's libxen-dev) or, where that is absent, standin/minimal/xenctrl.h put first on the include path.
 *
 * <xenctrl.h> needs GNU C (its public Xen headers use anonymous unions and refuse __STRICT_ANSI__): build with
 * -std=gnu11, not -std=c11.
 */
#ifndef XVR_XENCTRL_H
#define XVR_XENCTRL_H

#include <xenctrl.h>

/*
 * The domain-info call. Xen 4.18 added xc_domain_getinfo_single (and dropped xc_domain_getinfo) in the series that
 * made XEN_DOMCTL_getdomaininfo fail with ESRCH for a domid that does not exist, and bumped
 * XEN_DOMCTL_INTERFACE_VERSION from 0x15 to 0x16 with it; before, xc_domain_getinfolist, whose answer may be the next
 * domain and must be checked. -DXVR_GETINFO_SINGLE=0 or =1 overrides the choice.
 */
#ifndef XVR_GETINFO_SINGLE
#if XEN_DOMCTL_INTERFACE_VERSION >= 0x00000016
#define XVR_GETINFO_SINGLE 1
#else
#define XVR_GETINFO_SINGLE 0
#endif
#endif

#endif
