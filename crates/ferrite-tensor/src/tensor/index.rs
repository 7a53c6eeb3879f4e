//! placeholder
/// placeholder
pub struct Ellipsis;
/// placeholder
pub struct NewAxis;
/// placeholder
pub struct IndexItem;
