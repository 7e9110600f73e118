// LargeVector<T>: std::vector for the arrays one evaluation streams through (neighbour lists,
// per-edge gradients, per-edge scratch), with an allocator that asks Linux for transparent huge
// pages once a buffer reaches 2 MiB.
//
// Why: an EIP call on 64,000 atoms walks ~30 MB of such arrays, i.e. ~7,500 ordinary 4 KiB pages
// against 15 huge pages. On small shared VMs a thread that sleeps between parallel regions comes
// back with a cold TLB, and the page walks then eat much of what the second core gains: the SW
// call scaled clearly better from 1 to 2 threads with huge pages than with 4 KiB pages, kernel
// and gather themselves unchanged (seen with the system switched to
// `transparent_hugepage=always`; bench/compare eip prints the scaling). Most distributions
// default to `madvise`, under which only memory advised like this gets huge pages; elsewhere the
// advice is a no-op.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace eipnn {

inline constexpr std::size_t kHugePageBytes = std::size_t(2) << 20;

template <class T>
struct HugePageAllocator {
    using value_type = T;

    HugePageAllocator() noexcept = default;
    template <class U>
    HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

    static bool is_large(std::size_t n) { return n * sizeof(T) >= kHugePageBytes; }

    T* allocate(std::size_t n) {
        if (n > std::size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
#if defined(__linux__)
        if (is_large(n)) {
            // aligned to and padded to whole huge pages, so no huge page straddles another buffer
            const std::size_t bytes = (n * sizeof(T) + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
            void* p = std::aligned_alloc(kHugePageBytes, bytes);
            if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
            madvise(p, bytes, MADV_HUGEPAGE);  // advice: when refused, the pages stay ordinary
#endif
            return static_cast<T*>(p);
        }
#endif
        return static_cast<T*>(::operator new(n * sizeof(T)));
    }

    void deallocate(T* p, std::size_t n) noexcept {
#if defined(__linux__)
        if (is_large(n)) {
            std::free(p);
            return;
        }
#endif
        ::operator delete(p);
    }
};

template <class T, class U>
bool operator==(const HugePageAllocator<T>&, const HugePageAllocator<U>&) noexcept { return true; }
template <class T, class U>
bool operator!=(const HugePageAllocator<T>&, const HugePageAllocator<U>&) noexcept { return false; }

template <class T>
using LargeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace eipnn
