// The one place the view types come from: generated from client/src/app/views.rs by ts-rs
// (`YIWANG_BLESS=1 cargo test -p yiwang-client --test ts_types`), checked in.
export type * from '@/generated'
