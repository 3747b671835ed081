//===- AIEOps.cpp - aie dialect operations --------------------------------===//
//
// Custom assembly (kept identical to upstream mlir-aie's spelling) and
// verifiers. Verifiers check what one op can see: its operands, attributes,
// the symbols it names and the device's target-table entry. Diagnostics name
// the offending operand or attribute.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/AIE/IR/AIEOps.h"
#include "attn/Support/CheckedArith.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aie;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {
/// The op in the enclosing device whose `sym_name` is `name`, if any.
Operation *lookupInDevice(Operation *from, StringRef name) {
  auto device = from->getParentOfType<DeviceOp>();
  if (!device)
    return nullptr;
  return SymbolTable::lookupSymbolIn(device, name);
}

template <typename OpT> OpT lookupInDevice(Operation *from, StringRef name) {
  return dyn_cast_or_null<OpT>(lookupInDevice(from, name));
}

std::string tileString(TileOp tile) {
  return "(" + std::to_string(tile.getCol()) + ", " +
         std::to_string(tile.getRow()) + ")";
}

/// Requires `value` to be the result of an `aie.tile`; names it `what`.
FailureOr<TileOp> requireTile(Operation *op, Value value, StringRef what) {
  if (auto tile = value.getDefiningOp<TileOp>())
    return tile;
  return op->emitOpError() << what << " must be the result of an aie.tile";
}

/// The target of the device around `op`; fails with a diagnostic outside a
/// device. (The device verifier rejects devices missing from the table.)
FailureOr<const NPUTarget *> requireTarget(Operation *op) {
  if (const NPUTarget *target = getTarget(op))
    return target;
  return op->emitOpError("must be inside an aie.device of a known target");
}

/// Like requireTile, and also returns the tile's kind on `target`.
FailureOr<std::pair<TileOp, TileKind>> requireTileKind(Operation *op,
                                                       const NPUTarget &target,
                                                       Value value,
                                                       StringRef what) {
  FailureOr<TileOp> tile = requireTile(op, value, what);
  if (failed(tile))
    return failure();
  std::optional<TileKind> kind = getTileKind(target, value);
  if (!kind)
    return op->emitOpError() << what << " " << tileString(*tile)
                             << " is outside the " << target.name << " array";
  return std::make_pair(*tile, *kind);
}

std::string kindString(TileKind kind) {
  switch (kind) {
  case TileKind::Shim:
    return "a shim tile";
  case TileKind::MemTile:
    return "a memory tile";
  case TileKind::Core:
    return "a core tile";
  }
  return "a tile";
}
} // namespace

const NPUTarget *mlir::attn::aie::getTarget(Operation *op) {
  auto device = dyn_cast<DeviceOp>(op);
  if (!device)
    device = op->getParentOfType<DeviceOp>();
  if (!device)
    return nullptr;
  return lookupTarget(stringifyAIEDevice(device.getDevice()));
}

std::optional<TileKind> mlir::attn::aie::getTileKind(const NPUTarget &target,
                                                     Value tile) {
  auto tileOp = tile.getDefiningOp<TileOp>();
  if (!tileOp || !target.inBounds(tileOp.getCol(), tileOp.getRow()))
    return std::nullopt;
  return target.tileKind(tileOp.getCol(), tileOp.getRow());
}

std::optional<int64_t> mlir::attn::aie::getElementBytes(Type type) {
  unsigned bits = 0;
  if (type.isIntOrFloat())
    bits = type.getIntOrFloatBitWidth();
  if (bits == 0 || bits % 8)
    return std::nullopt;
  return bits / 8;
}

LogicalResult mlir::attn::aie::verifyDmaPattern(
    function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> sizes,
    ArrayRef<int64_t> strides, int64_t elemBytes, const DmaLimits &limits,
    StringRef what, bool outermostIsRepeat, bool linear) {
  assert(sizes.size() == strides.size() && "one stride per size");
  size_t rank = sizes.size();
  int64_t unit = limits.unitBytes;
  // Innermost first: its word-granularity rules explain most bad patterns.
  for (size_t i = rank; i-- > 0;) {
    int64_t size = sizes[i], stride = strides[i];
    bool innermost = i + 1 == rank;
    bool outermost = i == 0;
    if (size < 1)
      return emitError() << what << " dimension #" << i
                         << " (outermost first) has size " << size
                         << "; sizes must be positive";
    assert(stride >= 0 && "callers reject negative strides");
    if (innermost) {
      // DMAs move whole words; a sub-word element can only be moved as part
      // of a contiguous run of words.
      if ((size * elemBytes) % unit)
        return emitError() << what << " innermost dimension moves "
                           << size * elemBytes << " bytes (" << size << " x "
                           << elemBytes << "-byte elements), not a whole "
                           << "number of " << unit << "-byte words";
      if (elemBytes != unit && size > 1 && stride != 1)
        return emitError() << what << " innermost stride is " << stride
                           << "; it must be 1 for " << elemBytes
                           << "-byte elements (DMAs address " << unit
                           << "-byte words)";
    } else if ((stride * elemBytes) % unit) {
      return emitError() << what << " dimension #" << i << " stride " << stride
                         << " (" << stride * elemBytes
                         << " bytes) is not a whole number of " << unit
                         << "-byte words";
    }
    int64_t strideWords = stride * elemBytes / unit;
    if (innermost && elemBytes != unit)
      strideWords = 1;
    if (strideWords > limits.maxStrideWords)
      return emitError() << what << " dimension #" << i << " stride " << stride
                         << " is " << strideWords << " words; the limit is "
                         << limits.maxStrideWords;
    if (linear)
      continue;
    int64_t sizeLimit = limits.maxSize;
    int64_t sizeUnits = innermost ? size * elemBytes / unit : size;
    if (outermost && outermostIsRepeat && rank > 1)
      sizeLimit = limits.maxOuterSize;
    if (sizeUnits > sizeLimit)
      return emitError() << what << " dimension #" << i << " size " << size
                         << (innermost
                                 ? " (" + std::to_string(sizeUnits) + " words)"
                                 : std::string())
                         << " exceeds the limit " << sizeLimit;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// DeviceOp
//===----------------------------------------------------------------------===//

LogicalResult DeviceOp::verify() {
  if (!getTarget(*this))
    return emitOpError("device '")
           << stringifyAIEDevice(getDevice())
           << "' has no entry in the attn-aie target table";
  // Two aie.tile ops for one tile, or two cores on one tile, describe
  // hardware that does not exist.
  llvm::DenseMap<std::pair<int32_t, int32_t>, TileOp> tiles;
  llvm::DenseMap<Value, CoreOp> cores;
  const NPUTarget *target = getTarget(*this);
  for (Operation &op : getBody()->getOperations()) {
    if (auto tile = dyn_cast<TileOp>(op)) {
      // Out-of-range coordinates are aie.tile's own error (and may collide
      // with the map's reserved keys).
      if (!target->inBounds(tile.getCol(), tile.getRow()))
        continue;
      auto [it, inserted] =
          tiles.try_emplace({tile.getCol(), tile.getRow()}, tile);
      if (!inserted)
        return tile.emitOpError()
                   .append("declares tile ", tileString(tile), " a second time")
                   .attachNote(it->second.getLoc())
               << "first declared here";
    } else if (auto core = dyn_cast<CoreOp>(op)) {
      auto [it, inserted] = cores.try_emplace(core.getTile(), core);
      if (!inserted)
        return core.emitOpError("is a second core on the same tile")
                   .attachNote(it->second.getLoc())
               << "first core here";
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// TileOp
//===----------------------------------------------------------------------===//

LogicalResult TileOp::verify() {
  FailureOr<const NPUTarget *> target = requireTarget(*this);
  if (failed(target))
    return failure();
  if (getCol() >= (*target)->numColumns)
    return emitOpError("column ")
           << getCol() << " is outside the " << (*target)->numColumns
           << " columns of " << (*target)->name;
  if (getRow() >= (*target)->numRows)
    return emitOpError("row ")
           << getRow() << " is outside the " << (*target)->numRows
           << " rows of " << (*target)->name;
  return success();
}

// Upstream's names: %shim_noc_tile_0_0, %mem_tile_0_1, %tile_0_2.
void TileOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  std::string prefix = "tile_";
  if (const NPUTarget *target = getTarget(*this);
      target && target->inBounds(getCol(), getRow())) {
    switch (target->tileKind(getCol(), getRow())) {
    case TileKind::Shim:
      prefix = "shim_noc_tile_";
      break;
    case TileKind::MemTile:
      prefix = "mem_tile_";
      break;
    case TileKind::Core:
      break;
    }
  }
  setNameFn(getResult(),
            prefix + std::to_string(getCol()) + "_" + std::to_string(getRow()));
}

//===----------------------------------------------------------------------===//
// CoreOp
//===----------------------------------------------------------------------===//

LogicalResult CoreOp::verify() {
  FailureOr<const NPUTarget *> target = requireTarget(*this);
  if (failed(target))
    return failure();
  auto tile = requireTileKind(*this, **target, getTile(), "'tile' operand");
  if (failed(tile))
    return failure();
  if (tile->second != TileKind::Core)
    return emitOpError("'tile' operand ")
           << tileString(tile->first) << " is " << kindString(tile->second)
           << "; only core tiles run programs";
  if (getBody().empty())
    return emitOpError("needs a body ending with aie.end");
  return success();
}

void CoreOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  if (auto tile = getTile().getDefiningOp<TileOp>())
    setNameFn(getResult(), "core_" + std::to_string(tile.getCol()) + "_" +
                               std::to_string(tile.getRow()));
}

//===----------------------------------------------------------------------===//
// BufferOp
//===----------------------------------------------------------------------===//

LogicalResult BufferOp::verify() {
  FailureOr<const NPUTarget *> target = requireTarget(*this);
  if (failed(target))
    return failure();
  auto tile = requireTileKind(*this, **target, getTile(), "'tile' operand");
  if (failed(tile))
    return failure();
  if (tile->second == TileKind::Shim)
    return emitOpError("'tile' operand ")
           << tileString(tile->first)
           << " is a shim tile, which has no data memory for buffers";
  auto type = cast<MemRefType>(getBuffer().getType());
  std::optional<int64_t> elemBytes = getElementBytes(type.getElementType());
  if (!elemBytes)
    return emitOpError("element type ")
           << type.getElementType() << " is not a whole number of bytes";
  int64_t capacity = tile->second == TileKind::Core ? (*target)->coreL1Bytes
                                                    : (*target)->memTileL2Bytes;
  std::optional<int64_t> bufferBytes = checkedStaticBytes(type);
  if (!type.hasStaticShape())
    return emitOpError("buffer type ") << type << " must have a static shape";
  if (!bufferBytes || *bufferBytes > capacity)
    return emitOpError("buffer of ")
           << (bufferBytes ? std::to_string(*bufferBytes)
                           : std::string("more than 2^63"))
           << " bytes exceeds the " << capacity << "-byte memory of "
           << kindString(tile->second);
  if (auto init = getInitialValueAttr()) {
    auto type = cast<MemRefType>(getBuffer().getType());
    auto initType = dyn_cast<ShapedType>(init.getType());
    if (!initType || initType.getShape() != type.getShape() ||
        initType.getElementType() != type.getElementType())
      return emitOpError("'initial_value' of type ")
             << init.getType() << " does not match the buffer type " << type;
  }
  return success();
}

void BufferOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  if (auto name = getSymName()) {
    setNameFn(getResult(), *name);
    return;
  }
  if (auto tile = getTile().getDefiningOp<TileOp>())
    setNameFn(getResult(), "buffer_" + std::to_string(tile.getCol()) + "_" +
                               std::to_string(tile.getRow()));
}

static ParseResult parseBufferInitialValue(OpAsmParser &parser, Type &type,
                                           Attribute &initialValue) {
  if (failed(parser.parseOptionalEqual()))
    return success();
  auto memrefType = dyn_cast<MemRefType>(type);
  if (!memrefType || !memrefType.hasStaticShape())
    return parser.emitError(parser.getCurrentLocation(),
                            "an initial value needs a static memref type");
  Type tensorType = memref::getTensorTypeFromMemRefType(memrefType);
  return parser.parseAttribute(initialValue, tensorType);
}

static void printBufferInitialValue(OpAsmPrinter &printer, BufferOp op,
                                    Type type, Attribute initialValue) {
  if (!initialValue)
    return;
  printer << " = ";
  printer.printAttributeWithoutType(initialValue);
}

//===----------------------------------------------------------------------===//
// LockOp / UseLockOp
//===----------------------------------------------------------------------===//

LogicalResult LockOp::verify() {
  FailureOr<const NPUTarget *> target = requireTarget(*this);
  if (failed(target))
    return failure();
  auto tile = requireTileKind(*this, **target, getTile(), "'tile' operand");
  if (failed(tile))
    return failure();
  if (tile->second == TileKind::Shim)
    return emitOpError("'tile' operand ")
           << tileString(tile->first)
           << " is a shim tile; locks for core programs live on core and "
              "memory tiles";
  int available = (*target)->locks(tile->second);
  if (auto id = getLockID(); id && *id >= available)
    return emitOpError("'lockID' ")
           << *id << " is out of range: " << kindString(tile->second) << " has "
           << available << " locks";
  if (auto init = getInit(); init && *init < 0)
    return emitOpError("'init' must be non-negative, got ") << *init;
  return success();
}

void LockOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  if (auto name = getSymName()) {
    setNameFn(getResult(), *name);
    return;
  }
  if (auto tile = getTile().getDefiningOp<TileOp>())
    setNameFn(getResult(), "lock_" + std::to_string(tile.getCol()) + "_" +
                               std::to_string(tile.getRow()));
}

std::optional<int64_t> UseLockOp::getConstantValue() {
  if (std::optional<int64_t> value = getConstantIntValue(getValue()))
    return *value;
  return std::nullopt;
}

LogicalResult UseLockOp::verify() {
  if (!(*this)->getParentOfType<CoreOp>())
    return emitOpError("must be inside an aie.core");
  auto lock = getLock().getDefiningOp<LockOp>();
  if (!lock)
    return emitOpError("'lock' operand must be the result of an aie.lock");
  if (std::optional<int64_t> value = getConstantValue(); value && *value < 0)
    return emitOpError("'value' must be non-negative, got ") << *value;
  // A core reaches only its own and some neighbouring tiles' locks.
  auto coreTile =
      (*this)->getParentOfType<CoreOp>().getTile().getDefiningOp<TileOp>();
  auto lockTile = lock.getTile().getDefiningOp<TileOp>();
  const NPUTarget *target = getTarget(*this);
  if (coreTile && lockTile && target &&
      !target->canAccessMemory(coreTile.getCol(), coreTile.getRow(),
                               lockTile.getCol(), lockTile.getRow()))
    return emitOpError("'lock' operand lives on tile ")
           << tileString(lockTile) << ", which the core on tile "
           << tileString(coreTile) << " cannot reach";
  return success();
}

//===----------------------------------------------------------------------===//
// ObjectFifoCreateOp
//===----------------------------------------------------------------------===//

static ParseResult
parseObjectFifoProducerTile(OpAsmParser &parser,
                            OpAsmParser::UnresolvedOperand &operand,
                            BDDimLayoutArrayAttr &dimensions) {
  if (parser.parseOperand(operand))
    return failure();
  if (succeeded(parser.parseOptionalKeyword("dimensionsToStream")))
    return parser.parseCustomAttributeWithFallback(dimensions);
  dimensions = BDDimLayoutArrayAttr::get(parser.getContext(), {});
  return success();
}

static void printObjectFifoProducerTile(OpAsmPrinter &printer, Operation *,
                                        Value tile,
                                        BDDimLayoutArrayAttr dimensions) {
  printer << tile;
  if (dimensions && !dimensions.empty()) {
    printer << " dimensionsToStream ";
    printer.printStrippedAttrOrType(dimensions);
  }
}

static ParseResult parseObjectFifoConsumerTiles(
    OpAsmParser &parser, SmallVectorImpl<OpAsmParser::UnresolvedOperand> &tiles,
    BDDimLayoutArrayArrayAttr &dimensions) {
  SmallVector<BDDimLayoutArrayAttr> perConsumer;
  auto parseOne = [&]() -> ParseResult {
    if (parser.parseOperand(tiles.emplace_back()))
      return failure();
    // Every consumer gets an entry, empty when it has no pattern, so that
    // entry i always belongs to consumer i.
    BDDimLayoutArrayAttr dims =
        BDDimLayoutArrayAttr::get(parser.getContext(), {});
    if (succeeded(parser.parseOptionalKeyword("dimensionsFromStream")) &&
        parser.parseCustomAttributeWithFallback(dims))
      return failure();
    perConsumer.push_back(dims);
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::None, parseOne,
                                     " in consumer tile list"))
    return failure();
  dimensions = BDDimLayoutArrayArrayAttr::get(parser.getContext(), perConsumer);
  return success();
}

static void printObjectFifoConsumerTiles(OpAsmPrinter &printer, Operation *,
                                         OperandRange tiles,
                                         BDDimLayoutArrayArrayAttr dimensions) {
  for (auto [i, tile] : llvm::enumerate(tiles)) {
    if (i)
      printer << ", ";
    printer << tile;
    if (dimensions && i < dimensions.size() && !dimensions[i].empty()) {
      printer << " dimensionsFromStream ";
      printer.printStrippedAttrOrType(dimensions[i]);
    }
  }
}

// ` -> !aie.objectfifo<...>` after the type: the consumers' object type.
static ParseResult parseObjectFifoConsumerElemType(OpAsmParser &parser,
                                                   TypeAttr &consumerType) {
  if (failed(parser.parseOptionalArrow()))
    return success();
  Type type;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseType(type))
    return failure();
  if (!isa<AIEObjectFifoType>(type))
    return parser.emitError(loc, "expected an !aie.objectfifo<memref<...>> "
                                 "consumer type, got ")
           << type;
  consumerType = TypeAttr::get(type);
  return success();
}

static void printObjectFifoConsumerElemType(OpAsmPrinter &printer, Operation *,
                                            TypeAttr consumerType) {
  if (consumerType)
    printer << " -> " << consumerType;
}

// ` = [dense<...> : memref<...>, ...]`: one initial value per object.
static ParseResult parseObjectFifoInitValues(OpAsmParser &parser,
                                             TypeAttr elemType,
                                             ArrayAttr &initValues) {
  if (failed(parser.parseOptionalEqual()))
    return success();
  SMLoc loc = parser.getCurrentLocation();
  Attribute values;
  if (parser.parseAttribute(values))
    return failure();
  auto array = dyn_cast<ArrayAttr>(values);
  if (!array || !llvm::all_of(array, llvm::IsaPred<ElementsAttr>))
    return parser.emitError(loc, "expected a list of elements attributes, "
                                 "one initial value per object");
  (void)elemType;
  initValues = array;
  return success();
}

static void printObjectFifoInitValues(OpAsmPrinter &printer, Operation *,
                                      TypeAttr, ArrayAttr initValues) {
  if (!initValues)
    return;
  printer << "= [";
  llvm::interleaveComma(initValues, printer, [&](Attribute value) {
    printer.printAttribute(value);
  });
  printer << "]";
}

MemRefType ObjectFifoCreateOp::getObjectType() {
  return cast<AIEObjectFifoType>(getElemType()).getElementType();
}

int64_t ObjectFifoCreateOp::getDepth(unsigned index) {
  if (auto depths = dyn_cast<ArrayAttr>(getElemNumber())) {
    if (index >= depths.size())
      return -1;
    auto depth = dyn_cast<IntegerAttr>(depths[index]);
    return depth ? depth.getInt() : -1;
  }
  return cast<IntegerAttr>(getElemNumber()).getInt();
}

int64_t ObjectFifoCreateOp::getDepthAt(Value tile, ObjectFifoPort port) {
  if (port == ObjectFifoPort::Produce)
    return tile == getProducerTile() ? getDepth(0) : -1;
  for (auto [i, consumer] : llvm::enumerate(getConsumerTiles()))
    if (consumer == tile)
      return getDepth(i + 1);
  return -1;
}

/// Checks one end's access pattern (`dims`, possibly empty) against the DMA
/// of the tile kind it runs on, and that it stays inside one object.
static LogicalResult verifyFifoPattern(ObjectFifoCreateOp op,
                                       const NPUTarget &target, TileKind kind,
                                       BDDimLayoutArrayAttr dims,
                                       StringRef what, int64_t elemBytes,
                                       int64_t objectElems) {
  if (!dims || dims.empty())
    return success();
  const DmaLimits &limits = target.dmaLimits(kind);
  if (static_cast<int>(dims.size()) > limits.maxObjectFifoDims)
    return op.emitOpError() << what << " has " << dims.size() << " dimensions; "
                            << kindString(kind) << " DMA takes at most "
                            << limits.maxObjectFifoDims;
  SmallVector<int64_t> sizes, strides;
  int64_t lastIndex = 0;
  for (BDDimLayoutAttr dim : dims) {
    sizes.push_back(dim.getSize());
    strides.push_back(dim.getStride());
    lastIndex += (static_cast<int64_t>(dim.getSize()) - 1) * dim.getStride();
  }
  if (failed(verifyDmaPattern([&] { return op.emitOpError(); }, sizes, strides,
                              elemBytes, limits, what,
                              /*outermostIsRepeat=*/false, /*linear=*/false)))
    return failure();
  if (lastIndex >= objectElems)
    return op.emitOpError()
           << what << " reaches element " << lastIndex << ", beyond the "
           << objectElems << " elements of one object";
  return success();
}

/// The elements the producer end of `op` sends per object: its own object,
/// or, as the output of a one-to-one link from a larger object, that object
/// (upstream's objectfifo lowering sends a 1:1 link's larger side whole;
/// the L2-resident K/V broadcast relies on it).
static int64_t sentElements(ObjectFifoCreateOp op) {
  int64_t own = op.getObjectType().getNumElements();
  Operation *parent = op->getParentOp();
  if (!parent)
    return own;
  int64_t sent = own;
  for (Operation &other : parent->getRegion(0).getOps()) {
    auto link = dyn_cast<ObjectFifoLinkOp>(&other);
    if (!link || link.getFifoIns().size() != 1 ||
        link.getFifoOuts().size() != 1)
      continue;
    auto out = dyn_cast<FlatSymbolRefAttr>(link.getFifoOuts()[0]);
    auto in = dyn_cast<FlatSymbolRefAttr>(link.getFifoIns()[0]);
    if (!out || !in || out.getValue() != op.getSymName())
      continue;
    if (auto fifo = lookupInDevice<ObjectFifoCreateOp>(op, in.getValue()))
      sent = std::max(sent, fifo.getObjectType().getNumElements());
  }
  return sent;
}

/// The consumers' object type (a whole fraction of the producer's object, same
/// element type) and the initial values (one per producer object, shaped like
/// it, not on a shim producer).
static LogicalResult verifyConsumerTypeAndInit(ObjectFifoCreateOp op,
                                               TileKind producerKind) {
  MemRefType object = op.getObjectType();
  if (auto consumer = op.getConsumerElemTypeAttr()) {
    MemRefType consumerObject =
        cast<AIEObjectFifoType>(consumer.getValue()).getElementType();
    if (consumerObject.getElementType() != object.getElementType())
      return op.emitOpError("consumer object type ")
             << consumerObject << " must have the element type of the "
             << "producer's " << object;
    if (!consumerObject.hasStaticShape() ||
        consumerObject.getNumElements() < 1 ||
        object.getNumElements() % consumerObject.getNumElements())
      return op.emitOpError("producer object ")
             << object << " must be a whole number of consumer objects "
             << consumerObject;
  }
  if (ArrayAttr init = op.getInitValuesAttr()) {
    if (producerKind == TileKind::Shim)
      return op.emitOpError("'initValues' are not available on a shim "
                            "producer (it has no memory)");
    if (static_cast<int64_t>(init.size()) != op.getDepth(0))
      return op.emitOpError("'initValues' has ")
             << init.size() << " values for the producer's " << op.getDepth(0)
             << " objects";
    for (auto [i, value] : llvm::enumerate(init)) {
      auto shaped = cast<ElementsAttr>(value).getShapedType();
      if (shaped.getShape() != object.getShape() ||
          shaped.getElementType() != object.getElementType())
        return op.emitOpError("initial value #")
               << i << " has type " << shaped << "; expected the shape and "
               << "element type of " << object;
    }
  }
  return success();
}

LogicalResult ObjectFifoCreateOp::verify() {
  FailureOr<const NPUTarget *> target = requireTarget(*this);
  if (failed(target))
    return failure();
  auto producer =
      requireTileKind(*this, **target, getProducerTile(), "producer tile");
  if (failed(producer))
    return failure();
  if (getConsumerTiles().empty())
    return emitOpError("needs at least one consumer tile");
  SmallVector<TileKind> consumerKinds;
  for (auto [i, consumer] : llvm::enumerate(getConsumerTiles())) {
    auto tile = requireTileKind(*this, **target, consumer,
                                "consumer tile #" + std::to_string(i));
    if (failed(tile))
      return failure();
    if (consumer == getProducerTile())
      return emitOpError("consumer tile #")
             << i << " is the producer tile " << tileString(producer->first);
    for (Value earlier : getConsumerTiles().take_front(i))
      if (earlier == consumer)
        return emitOpError("consumer tile #") << i << " is listed twice";
    if (producer->second == TileKind::Shim && tile->second == TileKind::Shim)
      return emitOpError("consumer tile #")
             << i << " " << tileString(tile->first)
             << " and the producer are both shim tiles";
    consumerKinds.push_back(tile->second);
  }

  // Depth: one count for every end, or producer + one per consumer.
  if (auto depths = dyn_cast<ArrayAttr>(getElemNumber())) {
    size_t expected = getConsumerTiles().size() + 1;
    if (depths.size() != expected)
      return emitOpError("depth array has ")
             << depths.size() << " entries; expected " << expected
             << " (the producer and each consumer)";
    for (auto [i, depth] : llvm::enumerate(depths)) {
      auto value = dyn_cast<IntegerAttr>(depth);
      if (!value || !value.getType().isSignlessInteger(32) ||
          value.getInt() < 1)
        return emitOpError("depth array entry #")
               << i << " must be a positive i32, got " << depth;
    }
  }

  MemRefType object = getObjectType();
  if (!object.hasStaticShape())
    return emitOpError("object type ") << object << " must have a static shape";
  std::optional<int64_t> elemBytes = getElementBytes(object.getElementType());
  if (!elemBytes)
    return emitOpError("object element type ")
           << object.getElementType() << " is not a whole number of bytes";
  int64_t unit = (*target)->dmaLimits(producer->second).unitBytes;
  std::optional<int64_t> objBytes = checkedStaticBytes(object);
  if (!objBytes || *objBytes > kMaxRepresentableBytes)
    return emitOpError("object type ")
           << object << " has "
           << (objBytes ? std::to_string(*objBytes) : "more than 2^63")
           << " bytes, beyond the 2^48 bytes the compiler represents";
  if (*objBytes % unit)
    return emitOpError("object type ")
           << object << " is " << *objBytes << " bytes, not a whole number of "
           << unit << "-byte DMA words";

  // Shim ends take their access pattern from the runtime sequence's
  // transfer; upstream rejects a producer-side pattern on a shim.
  if (producer->second == TileKind::Shim && !getDimensionsToStream().empty())
    return emitOpError("'dimensionsToStream' is not supported on a shim "
                       "producer; give the pattern in the runtime sequence's "
                       "aiex.npu.dma_memcpy_nd instead");
  if (failed(verifyFifoPattern(
          *this, **target, producer->second, getDimensionsToStreamAttr(),
          "'dimensionsToStream'", *elemBytes, sentElements(*this))))
    return failure();
  BDDimLayoutArrayArrayAttr fromStream =
      getDimensionsFromStreamPerConsumerAttr();
  if (fromStream.size() != getConsumerTiles().size())
    return emitOpError("'dimensionsFromStreamPerConsumer' has ")
           << fromStream.size() << " entries for " << getConsumerTiles().size()
           << " consumers";
  for (auto [i, dims] : llvm::enumerate(fromStream))
    if (failed(verifyFifoPattern(*this, **target, consumerKinds[i], dims,
                                 "'dimensionsFromStream' of consumer #" +
                                     std::to_string(i),
                                 *elemBytes, getObjectType().getNumElements())))
      return failure();
  return verifyConsumerTypeAndInit(*this, producer->second);
}

//===----------------------------------------------------------------------===//
// ObjectFifoLinkOp
//===----------------------------------------------------------------------===//

LogicalResult ObjectFifoLinkOp::verify() {
  auto resolve =
      [&](ArrayAttr names, StringRef side,
          SmallVectorImpl<ObjectFifoCreateOp> &fifos) -> LogicalResult {
    for (Attribute attr : names) {
      auto ref = dyn_cast<FlatSymbolRefAttr>(attr);
      if (!ref)
        return emitOpError() << side << " entry " << attr
                             << " must be a flat symbol reference";
      auto fifo = lookupInDevice<ObjectFifoCreateOp>(*this, ref.getValue());
      if (!fifo)
        return emitOpError()
               << side << " " << ref << " does not name an aie.objectfifo";
      fifos.push_back(fifo);
    }
    return success();
  };
  SmallVector<ObjectFifoCreateOp> ins, outs;
  if (failed(resolve(getFifoIns(), "input", ins)) ||
      failed(resolve(getFifoOuts(), "output", outs)))
    return failure();
  if (ins.empty() || outs.empty())
    return emitOpError("needs at least one input and one output objectfifo");
  bool join = ins.size() > 1, split = outs.size() > 1;
  if (join && split)
    return emitOpError("cannot join (several inputs) and split (several "
                       "outputs) at once");

  // The link point: the only consumer of every input and the producer of
  // every output.
  Value point = outs.front().getProducerTile();
  for (ObjectFifoCreateOp out : outs)
    if (out.getProducerTile() != point)
      return emitOpError("output ")
             << out.getSymNameAttr()
             << " has a different producer tile than the first output";
  for (ObjectFifoCreateOp in : ins)
    if (in.getConsumerTiles().size() != 1 ||
        in.getConsumerTiles().front() != point)
      return emitOpError("input ")
             << in.getSymNameAttr()
             << " must have exactly one consumer, the outputs' producer tile";

  if (const NPUTarget *target = getTarget(*this)) {
    std::optional<TileKind> kind = getTileKind(*target, point);
    if (kind && *kind == TileKind::Shim)
      return emitOpError("link point ")
             << tileString(point.getDefiningOp<TileOp>())
             << " is a shim tile; it has no memory to forward objects through";
  }
  for (ObjectFifoCreateOp fifo : llvm::concat<ObjectFifoCreateOp>(ins, outs))
    if (fifo.getObjectType().getElementType() !=
        outs.front().getObjectType().getElementType())
      return emitOpError("objectfifo ")
             << fifo.getSymNameAttr() << " carries "
             << fifo.getObjectType().getElementType()
             << " elements; every linked objectfifo must carry "
             << outs.front().getObjectType().getElementType();

  ArrayAttr srcOffsets = getSrcOffsets(), dstOffsets = getDstOffsets();
  // A join writes each input into its slice of the output object, so the
  // slices must not overlap; a split only reads, and upstream designs send
  // one slice to several outputs (offsets [0, 0]).
  auto checkOffsets = [&](ArrayAttr offsets, StringRef attrName,
                          MutableArrayRef<ObjectFifoCreateOp> pieces,
                          ObjectFifoCreateOp whole,
                          bool disjoint) -> LogicalResult {
    if (offsets.size() != pieces.size())
      return emitOpError("'")
             << attrName << "' has " << offsets.size() << " entries for "
             << pieces.size() << " objectfifos";
    int64_t wholeElems = whole.getObjectType().getNumElements();
    int64_t previousEnd = 0;
    for (auto [i, attr] : llvm::enumerate(offsets)) {
      int64_t offset = cast<IntegerAttr>(attr).getInt();
      int64_t elems = pieces[i].getObjectType().getNumElements();
      if (offset < 0)
        return emitOpError("'") << attrName << "' entry #" << i << " ("
                                << offset << ") must be non-negative";
      if (disjoint && offset < previousEnd)
        return emitOpError("'")
               << attrName << "' entry #" << i << " (" << offset
               << ") overlaps the previous piece, which ends at "
               << previousEnd;
      previousEnd = offset + elems;
      if (offset + elems > wholeElems)
        return emitOpError("'")
               << attrName << "' entry #" << i << ": piece "
               << pieces[i].getSymNameAttr() << " ends at element "
               << offset + elems << ", beyond the " << wholeElems
               << " elements of " << whole.getSymNameAttr();
    }
    return success();
  };
  if (join) {
    if (!dstOffsets.empty())
      return emitOpError("'dst_offsets' must be empty for a join");
    return checkOffsets(srcOffsets, "src_offsets", ins, outs.front(),
                        /*disjoint=*/true);
  }
  if (split) {
    if (!srcOffsets.empty())
      return emitOpError("'src_offsets' must be empty for a split");
    return checkOffsets(dstOffsets, "dst_offsets", outs, ins.front(),
                        /*disjoint=*/false);
  }
  if (!srcOffsets.empty() || !dstOffsets.empty())
    return emitOpError("offsets must be empty for a one-to-one link");
  return success();
}

//===----------------------------------------------------------------------===//
// ObjectFifoAcquireOp / ReleaseOp / SubviewAccessOp
//===----------------------------------------------------------------------===//

bool ObjectFifoAcquireOp::returnsSubview() {
  return getNumResults() == 1 &&
         isa<AIEObjectFifoSubviewType>(getResult(0).getType());
}

ParseResult ObjectFifoAcquireOp::parse(OpAsmParser &parser,
                                       OperationState &result) {
  Builder &builder = parser.getBuilder();
  FlatSymbolRefAttr name;
  StringRef portName;
  int32_t count;
  if (parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseAttribute(name, "objFifo_name", result.attributes) ||
      parser.parseLParen())
    return failure();
  SMLoc portLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&portName))
    return failure();
  std::optional<ObjectFifoPort> port = symbolizeObjectFifoPort(portName);
  if (!port)
    return parser.emitError(portLoc, "expected Produce or Consume, got '")
           << portName << "'";
  SMLoc countLoc;
  SmallVector<Type> types;
  if (parser.parseComma() || parser.getCurrentLocation(&countLoc) ||
      parser.parseInteger(count) || parser.parseRParen() ||
      parser.parseColon() || parser.parseTypeList(types))
    return failure();
  bool subview =
      types.size() == 1 && isa<AIEObjectFifoSubviewType>(types.front());
  if (!subview && static_cast<int64_t>(types.size()) != count)
    return parser.emitError(countLoc, "acquires ")
           << count << " objects but names " << types.size() << " types";
  result.addAttribute("port",
                      ObjectFifoPortAttr::get(builder.getContext(), *port));
  result.addAttribute("size", builder.getI32IntegerAttr(count));
  result.addTypes(types);
  return success();
}

void ObjectFifoAcquireOp::print(OpAsmPrinter &printer) {
  printer.printOptionalAttrDict((*this)->getAttrs(),
                                {"port", "objFifo_name", "size"});
  printer << ' ' << getObjFifoNameAttr() << '('
          << stringifyObjectFifoPort(getPort()) << ", " << getSize() << ") : ";
  llvm::interleaveComma(getResultTypes(), printer);
}

/// Shared checks of acquire and release: the FIFO exists, the op runs in a
/// core on the tile that plays `port`'s role, and `count` fits the depth.
static FailureOr<ObjectFifoCreateOp> verifyFifoAccess(Operation *op,
                                                      FlatSymbolRefAttr name,
                                                      ObjectFifoPort port,
                                                      int64_t count) {
  auto fifo = lookupInDevice<ObjectFifoCreateOp>(op, name.getValue());
  if (!fifo)
    return op->emitOpError() << name << " does not name an aie.objectfifo";
  auto core = op->getParentOfType<CoreOp>();
  if (!core)
    return op->emitOpError("must be inside an aie.core");
  int64_t depth = fifo.getDepthAt(core.getTile(), port);
  if (depth < 0) {
    auto tile = core.getTile().getDefiningOp<TileOp>();
    return op->emitOpError()
           << "port " << stringifyObjectFifoPort(port) << " of " << name
           << " used by the core on tile "
           << (tile ? tileString(tile) : std::string("?")) << ", which is not "
           << (port == ObjectFifoPort::Produce ? "its producer"
                                               : "one of its consumers");
  }
  if (count > depth)
    return op->emitOpError() << "count " << count << " exceeds the depth "
                             << depth << " of " << name << " at this end";
  return fifo;
}

LogicalResult ObjectFifoAcquireOp::verify() {
  FailureOr<ObjectFifoCreateOp> fifo =
      verifyFifoAccess(*this, getObjFifoNameAttr(), getPort(), getSize());
  if (failed(fifo))
    return failure();
  MemRefType object = fifo->getObjectType();
  if (getNumResults() == 1) {
    if (auto subview =
            dyn_cast<AIEObjectFifoSubviewType>(getResult(0).getType())) {
      if (subview.getElementType() != object)
        return emitOpError("result type ")
               << subview << " does not match the objectfifo's objects "
               << object;
      return success();
    }
  }
  if (static_cast<int64_t>(getNumResults()) != getSize())
    return emitOpError("returns ")
           << getNumResults() << " objects but acquires " << getSize();
  for (auto [i, type] : llvm::enumerate(getResultTypes()))
    if (type != object)
      return emitOpError("result #")
             << i << " has type " << type << "; expected " << object
             << " (or one !aie.objectfifosubview)";
  return success();
}

LogicalResult ObjectFifoReleaseOp::verify() {
  return verifyFifoAccess(*this, getObjFifoNameAttr(), getPort(), getSize());
}

LogicalResult ObjectFifoSubviewAccessOp::verify() {
  auto subviewType = cast<AIEObjectFifoSubviewType>(getSubview().getType());
  if (getOutput().getType() != subviewType.getElementType())
    return emitOpError("result type ")
           << getOutput().getType() << " does not match the subview's objects "
           << subviewType.getElementType();
  if (auto acquire = getSubview().getDefiningOp<ObjectFifoAcquireOp>())
    if (getIndex() >= acquire.getSize())
      return emitOpError("'index' ")
             << getIndex() << " is out of range: the subview holds "
             << acquire.getSize() << " acquired object(s)";
  return success();
}

//===----------------------------------------------------------------------===//
// ShimDMAAllocationOp
//===----------------------------------------------------------------------===//

int64_t ShimDMAAllocationOp::getColumn() {
  if (auto tileOp = getTile().getDefiningOp<TileOp>())
    return tileOp.getCol();
  return -1;
}

LogicalResult ShimDMAAllocationOp::verify() {
  FailureOr<const NPUTarget *> target = requireTarget(*this);
  if (failed(target))
    return failure();
  auto tileKind = requireTileKind(*this, **target, getTile(), "'tile' operand");
  if (failed(tileKind))
    return failure();
  if (tileKind->second != TileKind::Shim)
    return emitOpError("'tile' operand ")
           << tileString(tileKind->first) << " is "
           << kindString(tileKind->second) << "; it must be a shim tile";
  bool s2mm = getChannelDir() == DMAChannelDir::S2MM;
  int channels = (*target)->channels(TileKind::Shim, s2mm);
  if (getChannelIndex() < 0 || getChannelIndex() >= channels)
    return emitOpError("'channel_index' ")
           << getChannelIndex() << " is out of range: a shim tile has "
           << channels << " " << stringifyDMAChannelDir(getChannelDir())
           << " channels";
  return success();
}

//===----------------------------------------------------------------------===//
// RuntimeSequenceOp
//===----------------------------------------------------------------------===//

// `[@name](%a: memref<..>, %n: i32, ...) [attributes {...}] { ... }`, the
// name defaulting to `sequence`.
ParseResult RuntimeSequenceOp::parse(OpAsmParser &parser,
                                     OperationState &result) {
  StringAttr name;
  (void)parser.parseOptionalSymbolName(name, SymbolTable::getSymbolAttrName(),
                                       result.attributes);
  SmallVector<OpAsmParser::Argument> args;
  if (parser.parseCommaSeparatedList(
          OpAsmParser::Delimiter::Paren, [&]() -> ParseResult {
            return parser.parseArgument(args.emplace_back(),
                                        /*allowType=*/true,
                                        /*allowAttrs=*/true);
          }))
    return failure();
  if (parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();
  Region *body = result.addRegion();
  if (parser.parseRegion(*body, args, /*enableNameShadowing=*/false))
    return failure();
  if (body->empty())
    body->emplaceBlock();
  return success();
}

void RuntimeSequenceOp::print(OpAsmPrinter &printer) {
  if (getSymName() != "sequence") {
    printer << ' ';
    printer.printSymbolName(getSymName());
  }
  Region &body = getBody();
  printer << '(';
  if (!body.empty())
    llvm::interleaveComma(body.getArguments(), printer, [&](BlockArgument arg) {
      printer.printRegionArgument(arg);
    });
  printer << ')';
  printer.printOptionalAttrDictWithKeyword((*this)->getAttrs(),
                                           {SymbolTable::getSymbolAttrName()});
  printer << ' ';
  printer.printRegion(body, /*printEntryBlockArgs=*/false,
                      /*printBlockTerminators=*/true);
}

LogicalResult RuntimeSequenceOp::verify() {
  if (getBody().empty())
    return success();
  // Host buffers are memrefs; runtime scalars (lengths, flags) integers.
  for (BlockArgument arg : getBody().getArguments()) {
    Type type = arg.getType();
    if (isa<BaseMemRefType>(type) || type.isSignlessInteger() || type.isIndex())
      continue;
    return emitOpError("argument #")
           << arg.getArgNumber() << " has type " << type
           << "; expected a memref (host buffer) or a signless integer "
              "(runtime scalar)";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// DMABDOp
//===----------------------------------------------------------------------===//

// `offset = 0` or `offset = %v`: a constant folds into the static
// attribute, anything else is an i32 operand.
static ParseResult
parseDynamicScalar(OpAsmParser &parser,
                   std::optional<OpAsmParser::UnresolvedOperand> &operand,
                   IntegerAttr &staticValue) {
  int64_t value;
  OptionalParseResult isInteger = parser.parseOptionalInteger(value);
  if (isInteger.has_value()) {
    if (failed(*isInteger))
      return failure();
    if (value < std::numeric_limits<int32_t>::min() ||
        value > std::numeric_limits<int32_t>::max())
      return parser.emitError(parser.getCurrentLocation(), "value ")
             << value << " does not fit in 32 bits";
    staticValue =
        parser.getBuilder().getI32IntegerAttr(static_cast<int32_t>(value));
    return success();
  }
  OpAsmParser::UnresolvedOperand ssa;
  if (parser.parseOperand(ssa))
    return failure();
  operand = ssa;
  return success();
}

static void printDynamicScalar(OpAsmPrinter &printer, Operation *,
                               Value operand, IntegerAttr staticValue) {
  if (operand)
    printer << operand;
  else
    printer << staticValue.getInt();
}

std::optional<int64_t> DMABDOp::getConstantOffset() {
  if (std::optional<int32_t> offset = getStaticOffset())
    return *offset;
  if (Value offset = getOffset())
    return getConstantIntValue(offset);
  return 0;
}

std::optional<int64_t> DMABDOp::getConstantLen() {
  if (std::optional<int32_t> len = getStaticLen())
    return *len;
  if (Value len = getLen())
    return getConstantIntValue(len);
  auto type = dyn_cast<MemRefType>(getBuffer().getType());
  if (type && type.hasStaticShape())
    return type.getNumElements();
  return std::nullopt;
}

std::optional<SmallVector<std::pair<int64_t, int64_t>>>
DMABDOp::getConstantDims() {
  SmallVector<OpFoldResult> sizes, strides;
  if (auto statics = getStaticSizesAttr())
    sizes = getMixedValues(statics.asArrayRef(), getSizes(), getContext());
  if (auto statics = getStaticStridesAttr())
    strides = getMixedValues(statics.asArrayRef(), getStrides(), getContext());
  if (sizes.size() != strides.size())
    return std::nullopt;
  std::optional<SmallVector<int64_t>> constSizes = getConstantIntValues(sizes);
  std::optional<SmallVector<int64_t>> constStrides =
      getConstantIntValues(strides);
  if (!constSizes || !constStrides)
    return std::nullopt;
  SmallVector<std::pair<int64_t, int64_t>> dims;
  for (auto [size, stride] : llvm::zip_equal(*constSizes, *constStrides))
    dims.emplace_back(size, stride);
  return dims;
}

/// `statics` (with `ShapedType::kDynamic` holes) and `dynamics` agree.
static LogicalResult verifyMixedList(DMABDOp op, DenseI64ArrayAttr statics,
                                     ValueRange dynamics, StringRef what) {
  int64_t holes =
      statics ? llvm::count_if(statics.asArrayRef(), ShapedType::isDynamic) : 0;
  if (holes != static_cast<int64_t>(dynamics.size()))
    return op.emitOpError("has ")
           << dynamics.size() << " SSA " << what << " but " << holes
           << " dynamic entries in 'static_" << what << "'";
  return success();
}

LogicalResult DMABDOp::verify() {
  // Every check tolerates dynamic shapes and runtime values: what is not a
  // constant is left to the hardware (as upstream).
  if (failed(
          verifyMixedList(*this, getStaticSizesAttr(), getSizes(), "sizes")) ||
      failed(verifyMixedList(*this, getStaticStridesAttr(), getStrides(),
                             "strides")))
    return failure();
  size_t numSizes = getStaticSizesAttr() ? getStaticSizesAttr().size() : 0;
  size_t numStrides =
      getStaticStridesAttr() ? getStaticStridesAttr().size() : 0;
  if (numSizes != numStrides)
    return emitOpError("has ")
           << numSizes << " sizes but " << numStrides
           << " strides; the access pattern needs one stride per size";
  auto type = cast<BaseMemRefType>(getBuffer().getType());
  auto memref = dyn_cast<MemRefType>(type);
  bool staticBuffer = memref && memref.hasStaticShape();
  if (!getLen() && !getStaticLen() && !staticBuffer)
    return emitOpError("needs 'len' for a buffer of dynamic shape ") << type;
  std::optional<int64_t> offset = getConstantOffset();
  std::optional<int64_t> len = getConstantLen();
  if (offset && *offset < 0)
    return emitOpError("'offset' must be non-negative, got ") << *offset;
  if (len && *len < 1)
    return emitOpError("'len' must be positive, got ") << *len;
  if (staticBuffer && offset && len && *offset + *len > memref.getNumElements())
    return emitOpError("'offset' + 'len' (")
           << *offset + *len << ") exceeds the " << memref.getNumElements()
           << " elements of the buffer";
  // Constant entries (static or arith.constant operands); runtime ones are
  // checked by the hardware.
  SmallVector<OpFoldResult> sizes, strides;
  if (auto statics = getStaticSizesAttr())
    sizes = getMixedValues(statics.asArrayRef(), getSizes(), getContext());
  if (auto statics = getStaticStridesAttr())
    strides = getMixedValues(statics.asArrayRef(), getStrides(), getContext());
  for (auto [i, size] : llvm::enumerate(sizes))
    if (std::optional<int64_t> c = getConstantIntValue(size); c && *c < 1)
      return emitOpError("size #") << i << " must be positive, got " << *c;
  for (auto [i, stride] : llvm::enumerate(strides))
    if (std::optional<int64_t> c = getConstantIntValue(stride); c && *c < 0)
      return emitOpError("stride #")
             << i << " must be non-negative, got " << *c;
  if (auto pads = getPadDimensionsAttr())
    if (pads.size() != numSizes)
      return emitOpError("'pad' needs one entry per access pattern dimension "
                         "(")
             << numSizes << "), got " << pads.size();
  if (auto packet = getPacketAttr()) {
    if (packet.getPktType() > 7)
      return emitOpError("'packet' type must fit in 3 bits, got ")
             << packet.getPktType();
    if (packet.getPktId() > 31)
      return emitOpError("'packet' id must fit in 5 bits, got ")
             << packet.getPktId();
  }
  return success();
}

#define GET_OP_CLASSES
#include "attn/Dialect/AIE/IR/AIEOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Cascade: CascadeFlowOp, PutCascadeOp, GetCascadeOp
//===----------------------------------------------------------------------===//

namespace {
/// Requires `value` to be an aie.tile of a core; names it `what`.
FailureOr<TileOp> requireCoreTile(Operation *op, const NPUTarget &target,
                                  Value value, StringRef what) {
  auto tile = requireTileKind(op, target, value, what);
  if (failed(tile))
    return failure();
  if (tile->second != TileKind::Core)
    return op->emitOpError()
           << what << " " << tileString(tile->first) << " is "
           << kindString(tile->second) << "; only core tiles have a cascade";
  return tile->first;
}

/// Bits of one value of `type` (scalars and vectors), or nullopt.
std::optional<int64_t> cascadeValueBits(Type type) {
  if (auto vec = dyn_cast<VectorType>(type)) {
    if (vec.isScalable() || !vec.getElementType().isIntOrFloat())
      return std::nullopt;
    return vec.getNumElements() * vec.getElementTypeBitWidth();
  }
  if (type.isIntOrFloat())
    return type.getIntOrFloatBitWidth();
  return std::nullopt;
}

LogicalResult verifyCascadeWord(Operation *op, Type type, StringRef what) {
  if (!op->getParentOfType<CoreOp>())
    return op->emitOpError("must be inside an aie.core");
  FailureOr<const NPUTarget *> target = requireTarget(op);
  if (failed(target))
    return failure();
  std::optional<int64_t> bits = cascadeValueBits(type);
  if (!bits || *bits != (*target)->cascadeBits)
    return op->emitOpError()
           << what << " type " << type << " must be " << (*target)->cascadeBits
           << " bits wide (one cascade word of " << (*target)->name
           << "), e.g. vector<16xi32>";
  return success();
}
} // namespace

LogicalResult CascadeFlowOp::verify() {
  FailureOr<const NPUTarget *> target = requireTarget(*this);
  if (failed(target))
    return failure();
  FailureOr<TileOp> src =
      requireCoreTile(*this, **target, getSourceTile(), "'source_tile'");
  if (failed(src))
    return failure();
  FailureOr<TileOp> dst =
      requireCoreTile(*this, **target, getDestTile(), "'dest_tile'");
  if (failed(dst))
    return failure();
  int sc = src->getCol(), sr = src->getRow();
  int dc = dst->getCol(), dr = dst->getRow();
  // AIE2/AIE2P cascade input is North or West, output South or East.
  bool fromNorth = sc == dc && sr == dr + 1;
  bool fromWest = sr == dr && sc + 1 == dc;
  if (!fromNorth && !fromWest)
    return emitOpError("source tile ")
           << tileString(*src) << " must be directly North (same column, row "
           << dr + 1 << ") or West (column " << dc - 1
           << ", same row) of dest tile " << tileString(*dst)
           << ": a core's cascade input comes from the North or the West on "
           << (*target)->arch;
  for (auto other :
       (*this)->getParentOp()->getRegion(0).getOps<CascadeFlowOp>()) {
    if (other == *this)
      break;
    bool sameSrc = other.getSourceTile() == getSourceTile();
    if (!sameSrc && other.getDestTile() != getDestTile())
      continue;
    InFlightDiagnostic diag = emitOpError();
    if (sameSrc)
      diag << "source tile " << tileString(*src)
           << " already has a cascade flow out (a tile has one cascade output)";
    else
      diag << "dest tile " << tileString(*dst)
           << " already has a cascade flow in (a tile has one cascade input)";
    diag.attachNote(other.getLoc()) << "first flow here";
    return diag;
  }
  return success();
}

LogicalResult PutCascadeOp::verify() {
  return verifyCascadeWord(*this, getCascadeValue().getType(),
                           "'cascade_value'");
}

LogicalResult GetCascadeOp::verify() {
  return verifyCascadeWord(*this, getCascadeValue().getType(), "result");
}
