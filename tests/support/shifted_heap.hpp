// A replacement of the global operator new whose blocks start at a chosen offset from a 64-byte
// boundary (0, 16, 32 or 48 bytes), so that a test can run the same computation with its buffers
// placed differently on the heap and require the same bits. Why: vectorised loops that split a
// buffer into a scalar head up to the first aligned address and a packet body round differently
// for different placements, and where malloc puts a buffer changes from run to run once several
// threads allocate. With SSE2 (16-byte packets) every malloc block is aligned and nothing shows;
// built with -march=native (32- or 64-byte packets), the shift exposes any such dependence.
//
// Include in exactly one translation unit of a test executable (it defines the global operators).
// Blocks are released by their own header, so blocks allocated under one shift may be freed under
// another. Over-aligned new (std::align_val_t) keeps the standard operators.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <new>

namespace eipnn::test {

// Offset, in bytes from a 64-byte boundary, of the blocks allocated from now on.
inline std::size_t& heap_shift() {
    static std::size_t shift = 0;
    return shift;
}

// Sets heap_shift() for a scope.
struct HeapShift {
    std::size_t saved;
    explicit HeapShift(std::size_t bytes) : saved(heap_shift()) { heap_shift() = bytes % 64; }
    ~HeapShift() { heap_shift() = saved; }
};

namespace detail {

constexpr std::size_t kHeader = 16;  // keeps the 16-byte alignment malloc guarantees

inline void* shifted_allocate(std::size_t n) {
    // the user block starts at raw + kHeader + shift; raw is 64-aligned, shift in {0, 16, 32, 48}
    const std::size_t offset = kHeader + heap_shift();
    const std::size_t total = (n + offset + 63) / 64 * 64;
    char* raw = static_cast<char*>(std::aligned_alloc(64, total));
    if (!raw) throw std::bad_alloc();
    char* user = raw + offset;
    reinterpret_cast<void**>(user)[-1] = raw;
    return user;
}

inline void shifted_release(void* p) noexcept {
    if (p) std::free(static_cast<void**>(p)[-1]);
}

}  // namespace detail
}  // namespace eipnn::test

void* operator new(std::size_t n) { return eipnn::test::detail::shifted_allocate(n); }
void* operator new[](std::size_t n) { return eipnn::test::detail::shifted_allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return eipnn::test::detail::shifted_allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { eipnn::test::detail::shifted_release(p); }
void operator delete[](void* p) noexcept { eipnn::test::detail::shifted_release(p); }
void operator delete(void* p, std::size_t) noexcept { eipnn::test::detail::shifted_release(p); }
void operator delete[](void* p, std::size_t) noexcept { eipnn::test::detail::shifted_release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { eipnn::test::detail::shifted_release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { eipnn::test::detail::shifted_release(p); }
