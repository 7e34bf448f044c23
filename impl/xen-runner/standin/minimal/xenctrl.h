/*
 * A minimal <xenctrl.h> for machines without libxen-dev: exactly the types, constants and prototypes that
 * xen-vector-runner and its stand-in use, declared as Xen 4.18 and later declare them (x86; the prototypes copied in
 * shape from the public libxenctrl header, the structures reduced to the members used, in Xen's order).
 *
 * Put this folder first on the include path (-I impl/xen-runner/standin/minimal) to build the runner with the
 * stand-in where the real header is absent (or to build the getinfo_single path where the real header is 4.17's). It
 * is not ABI-compatible with the real libxenctrl and never meets it: a build against it links only with
 * standin/standin.c. Where libxen-dev is installed, prefer the real header: then the compiler checks the stand-in's
 * definitions against Xen's own declarations.
 */
#ifndef XENCTRL_H
#define XENCTRL_H

#include <stdint.h>

/* 0x16 came with Xen 4.18 (xc_domain_getinfo_single; getdomaininfo fails with ESRCH for an absent domid). */
#define XEN_DOMCTL_INTERFACE_VERSION 0x00000017

typedef struct xc_interface_core xc_interface;
typedef struct xentoollog_logger xentoollog_logger;
typedef unsigned long xen_pfn_t;
typedef uint8_t xen_domain_handle_t[16];

#define XENVER_version 0

#define XEN_DOMCTL_CDF_hvm (1U << 0)
#define XEN_DOMCTL_CDF_hap (1U << 1)
#define XEN_X86_EMU_LAPIC (1U << 0)
#define XEN_DOMCTL_GRANT_version(v) ((v) & 0xf)

struct xen_arch_domainconfig {
    uint32_t emulation_flags;
    uint32_t misc_flags;
};

struct xen_domctl_createdomain {
    uint32_t ssidref;
    xen_domain_handle_t handle;
    uint32_t flags;
    uint32_t iommu_opts;
    uint32_t max_vcpus;
    uint32_t max_evtchn_port;
    int32_t max_grant_frames;
    int32_t max_maptrack_frames;
    uint32_t grant_opts;
    uint32_t vmtrace_size;
    uint32_t cpupool_id;
    struct xen_arch_domainconfig arch;
};

#define XEN_DOMINF_dying (1U << 0)
#define XEN_DOMINF_paused (1U << 3)

struct xen_domctl_getdomaininfo {
    uint16_t domain;
    uint16_t pad1;
    uint32_t flags;
    uint64_t tot_pages;
    uint64_t max_pages;
    uint64_t outstanding_pages;
    uint64_t shr_pages;
    uint64_t paged_pages;
    uint64_t shared_info_frame;
    uint64_t cpu_time;
    uint32_t nr_online_vcpus;
    uint32_t max_vcpu_id;
    uint32_t ssidref;
    xen_domain_handle_t handle;
    uint32_t cpupool;
};
typedef struct xen_domctl_getdomaininfo xc_domaininfo_t;

struct xen_sysctl_physinfo {
    uint32_t threads_per_core;
    uint32_t cores_per_socket;
    uint32_t nr_cpus;
    uint32_t max_cpu_id;
    uint32_t nr_nodes;
    uint32_t max_node_id;
    uint32_t cpu_khz;
    uint32_t capabilities;
    uint32_t arch_capabilities;
    uint32_t pad;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t scrub_pages;
    uint64_t outstanding_pages;
    uint64_t max_mfn;
};
typedef struct xen_sysctl_physinfo xc_physinfo_t;

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned open_flags);
int xc_interface_close(xc_interface *xch);
int xc_version(xc_interface *xch, int cmd, void *arg);
int xc_domain_create(xc_interface *xch, uint32_t *pdomid, struct xen_domctl_createdomain *config);
int xc_domain_destroy(xc_interface *xch, uint32_t domid);
int xc_domain_getinfo_single(xc_interface *xch, uint32_t domid, xc_domaininfo_t *info);
int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains, xc_domaininfo_t *info);
int xc_physinfo(xc_interface *xch, xc_physinfo_t *info);
int xc_domain_setmaxmem(xc_interface *xch, uint32_t domid, uint64_t max_memkb);
int xc_domain_decrease_reservation(xc_interface *xch, uint32_t domid, unsigned long nr_extents, unsigned int extent_order,
                                   xen_pfn_t *extent_start);
int xc_domain_populate_physmap_exact(xc_interface *xch, uint32_t domid, unsigned long nr_extents, unsigned int extent_order,
                                     unsigned int mem_flags, xen_pfn_t *extent_start);
int xc_domain_claim_pages(xc_interface *xch, uint32_t domid, unsigned long nr_pages);

#endif
