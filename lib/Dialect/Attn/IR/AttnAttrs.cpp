//===- AttnAttrs.cpp - attn dialect attributes ----------------------------===//
//
// #attn.fold and #attn.plan. The plan verifier checks the plan on its own
// (positive sizes, tiles multiples of the intrinsic, L2 blocks multiples of
// L1 tiles, padded lengths multiples of tiles); attn.stage checks it against
// the ops of its body.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnAttrs.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Support/CheckedArith.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

#include "attn/Dialect/Attn/IR/AttnEnums.cpp.inc"

llvm::StringRef mlir::attn::stageName(StageKind kind) {
  return isAttentionStage(kind) ? "attention" : stringifyStageKind(kind);
}

std::optional<StageKind> mlir::attn::stageKindOf(llvm::StringRef name,
                                                 FoldKind fold) {
  // The shadowAttn pilot stage (attn-extract-pilot), one unfolded dispatch.
  if (fold == FoldKind::unfolded && name == stageName(StageKind::Pilot))
    return StageKind::Pilot;
  for (StageKind kind : foldStages(fold))
    if (stageName(kind) == name)
      return kind;
  return std::nullopt;
}

llvm::SmallVector<StageKind, 3> mlir::attn::foldStages(FoldKind fold) {
  switch (fold) {
  case FoldKind::unfolded:
    return {StageKind::QK, StageKind::Softmax, StageKind::PV};
  case FoldKind::partial:
    return {StageKind::QKSoftmax, StageKind::PV};
  case FoldKind::full:
    return {StageKind::Full};
  case FoldKind::online:
    return {StageKind::Online};
  }
  llvm_unreachable("unknown fold");
}

//===----------------------------------------------------------------------===//
// PlanAttr
//===----------------------------------------------------------------------===//

namespace {
enum PlanField : unsigned {
  Target,
  QTile,
  KvTile,
  HeadDimTile,
  L2QBlock,
  L2KvBlock,
  Intrinsic,
  Columns,
  CoresPerColumn,
  Mapping,
  Depth,
  PaddedQLen,
  PaddedKvLen,
  PaddedHeadDim,
  PaddedValueDim,
  KvSplit,
  NumPlanFields
};
} // namespace

ArrayRef<StringRef> PlanAttr::getFieldNames() {
  static const StringRef names[NumPlanFields] = {
      "target",        "q_tile",          "kv_tile",
      "head_dim_tile", "l2_q_block",      "l2_kv_block",
      "intrinsic",     "columns",         "cores_per_column",
      "mapping",       "depth",           "padded_q_len",
      "padded_kv_len", "padded_head_dim", "padded_value_dim",
      "kv_split"};
  return names;
}

/// `?` (dynamic) or an integer; negative values are left to the verifier.
static ParseResult parseLength(AsmParser &parser, int64_t &value) {
  if (succeeded(parser.parseOptionalQuestion())) {
    value = ShapedType::kDynamic;
    return success();
  }
  return parser.parseInteger(value);
}

static void printLength(AsmPrinter &printer, int64_t value) {
  if (ShapedType::isDynamic(value))
    printer << '?';
  else
    printer << value;
}

Attribute PlanAttr::parse(AsmParser &parser, Type) {
  ArrayRef<StringRef> names = getFieldNames();
  std::string target;
  int64_t ints[NumPlanFields] = {};
  SmallVector<int64_t> intrinsic;
  MappingKind mapping = MappingKind::fused;
  bool seen[NumPlanFields] = {};
  SMLoc start = parser.getCurrentLocation();
  auto parseField = [&]() -> ParseResult {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key))
      return failure();
    const auto *it = llvm::find(names, key);
    if (it == names.end())
      return parser.emitError(keyLoc, "#attn.plan: unknown field '")
             << key << "'; expected " << llvm::join(names, ", ");
    unsigned field = it - names.begin();
    if (seen[field])
      return parser.emitError(keyLoc, "#attn.plan: field '")
             << key << "' given twice";
    seen[field] = true;
    if (parser.parseEqual())
      return failure();
    switch (field) {
    case Target:
      return parser.parseString(&target);
    case Intrinsic:
      return parser.parseCommaSeparatedList(
          AsmParser::Delimiter::Square, [&]() -> ParseResult {
            return parser.parseInteger(intrinsic.emplace_back());
          });
    case Mapping: {
      StringRef word;
      SMLoc loc = parser.getCurrentLocation();
      if (parser.parseKeyword(&word))
        return failure();
      std::optional<MappingKind> kind = symbolizeMappingKind(word);
      if (!kind)
        return parser.emitError(loc, "#attn.plan: unknown mapping '")
               << word << "'; expected fused or stream";
      mapping = *kind;
      return success();
    }
    case PaddedQLen:
    case PaddedKvLen:
    case PaddedHeadDim:
    case PaddedValueDim:
      return parseLength(parser, ints[field]);
    default:
      return parser.parseInteger(ints[field]);
    }
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::LessGreater,
                                     parseField))
    return {};
  // kv_split is optional: no cascade unless given.
  if (!seen[KvSplit]) {
    seen[KvSplit] = true;
    ints[KvSplit] = 1;
  }
  SmallVector<StringRef> missing;
  for (unsigned i = 0; i < NumPlanFields; ++i)
    if (!seen[i])
      missing.push_back(names[i]);
  if (!missing.empty()) {
    parser.emitError(start, "#attn.plan: missing field")
        << (missing.size() > 1 ? "s " : " ") << llvm::join(missing, ", ");
    return {};
  }
  return getChecked([&] { return parser.emitError(start); },
                    parser.getContext(), target, ints[QTile], ints[KvTile],
                    ints[HeadDimTile], ints[L2QBlock], ints[L2KvBlock],
                    intrinsic, ints[Columns], ints[CoresPerColumn], mapping,
                    ints[Depth], ints[PaddedQLen], ints[PaddedKvLen],
                    ints[PaddedHeadDim], ints[PaddedValueDim], ints[KvSplit]);
}

void PlanAttr::print(AsmPrinter &printer) const {
  printer << "<target = ";
  printer.printString(getTarget());
  printer << ", q_tile = " << getQTile() << ", kv_tile = " << getKvTile()
          << ", head_dim_tile = " << getHeadDimTile()
          << ", l2_q_block = " << getL2QBlock()
          << ", l2_kv_block = " << getL2KvBlock() << ", intrinsic = [";
  llvm::interleaveComma(getIntrinsic(), printer);
  printer << "], columns = " << getColumns()
          << ", cores_per_column = " << getCoresPerColumn()
          << ", mapping = " << stringifyMappingKind(getMapping());
  if (getKvSplit() != 1)
    printer << ", kv_split = " << getKvSplit();
  printer << ", depth = " << getDepth() << ", padded_q_len = ";
  printLength(printer, getPaddedQLen());
  printer << ", padded_kv_len = ";
  printLength(printer, getPaddedKvLen());
  printer << ", padded_head_dim = ";
  printLength(printer, getPaddedHeadDim());
  printer << ", padded_value_dim = ";
  printLength(printer, getPaddedValueDim());
  printer << '>';
}

/// The buffers and matrices a plan implies (f32 tiles and L2 blocks times
/// lanes and depth, padded score and operand rows) within the sizes the
/// compiler represents, so the passes reading the plan never overflow.
static LogicalResult verifyPlanRepresentable(
    function_ref<InFlightDiagnostic()> emitError, int64_t qTile, int64_t kvTile,
    int64_t l2QBlock, int64_t l2KvBlock, int64_t columns,
    int64_t coresPerColumn, int64_t depth, int64_t paddedQLen,
    int64_t paddedKvLen, int64_t paddedHeadDim, int64_t paddedValueDim) {
  auto orOne = [](int64_t v) { return ShapedType::isDynamic(v) ? 1 : v; };
  int64_t dims = std::max(paddedHeadDim, paddedValueDim);
  struct Product {
    StringRef what;
    std::optional<int64_t> bytes;
  };
  int64_t lanes = columns * coresPerColumn; // both verified small below
  if (columns > (int64_t(1) << 16) || coresPerColumn > (int64_t(1) << 16) ||
      depth > (int64_t(1) << 16))
    return emitError() << "#attn.plan: columns = " << columns
                       << ", cores_per_column = " << coresPerColumn
                       << " and depth = " << depth
                       << " must each be at most 65536";
  Product products[] = {
      {"q_tile x kv_tile f32 tile",
       checkedProduct({qTile, kvTile, depth, lanes, 4})},
      {"q_tile x padded head dim f32 tile",
       checkedProduct({qTile, dims, depth, lanes, 4})},
      {"kv_tile x padded head dim f32 tile",
       checkedProduct({kvTile, dims, depth, lanes, 4})},
      {"l2_q_block x l2_kv_block f32 block",
       checkedProduct({l2QBlock, l2KvBlock, depth, lanes, 4})},
      {"l2_q_block x padded head dim f32 block",
       checkedProduct({l2QBlock, dims, depth, lanes, 4})},
      {"l2_kv_block x padded head dim f32 block",
       checkedProduct({l2KvBlock, dims, depth, lanes, 4})},
      {"padded f32 score matrix (padded_q_len x padded_kv_len)",
       checkedProduct({orOne(paddedQLen), orOne(paddedKvLen), 4})},
      {"padded query rows (padded_q_len x padded head dim, f32)",
       checkedProduct({orOne(paddedQLen), dims, 4})},
      {"padded key rows (padded_kv_len x padded head dim, f32)",
       checkedProduct({orOne(paddedKvLen), dims, 4})}};
  for (const Product &p : products)
    if (!p.bytes || *p.bytes > kMaxRepresentableBytes)
      return emitError() << "#attn.plan: the " << p.what << " has "
                         << (p.bytes ? std::to_string(*p.bytes) + " bytes"
                                     : std::string("more than 2^63 bytes"))
                         << ", beyond the 2^48 bytes the compiler represents";
  return success();
}

LogicalResult PlanAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               StringRef target, int64_t qTile, int64_t kvTile,
                               int64_t headDimTile, int64_t l2QBlock,
                               int64_t l2KvBlock, ArrayRef<int64_t> intrinsic,
                               int64_t columns, int64_t coresPerColumn,
                               MappingKind mapping, int64_t depth,
                               int64_t paddedQLen, int64_t paddedKvLen,
                               int64_t paddedHeadDim, int64_t paddedValueDim,
                               int64_t kvSplit) {
  if (target.empty())
    return emitError() << "#attn.plan: 'target' must name a target";
  struct Field {
    StringRef name;
    int64_t value;
  };
  Field positive[] = {{"q_tile", qTile},
                      {"kv_tile", kvTile},
                      {"head_dim_tile", headDimTile},
                      {"l2_q_block", l2QBlock},
                      {"l2_kv_block", l2KvBlock},
                      {"columns", columns},
                      {"cores_per_column", coresPerColumn},
                      {"depth", depth}};
  for (const Field &f : positive)
    if (f.value <= 0)
      return emitError() << "#attn.plan: '" << f.name
                         << "' must be positive, got " << f.value;
  if (intrinsic.size() != 3)
    return emitError() << "#attn.plan: 'intrinsic' must have 3 entries "
                          "[M, K, N], got "
                       << intrinsic.size();
  static const char *intrinsicNames[] = {"M", "K", "N"};
  for (unsigned i = 0; i < 3; ++i)
    if (intrinsic[i] <= 0)
      return emitError() << "#attn.plan: intrinsic " << intrinsicNames[i]
                         << " must be positive, got " << intrinsic[i];
  int64_t m = intrinsic[0], k = intrinsic[1], n = intrinsic[2];
  // Q·Kᵀ is (q_tile x D)·(D x kv_tile) and P·V is (q_tile x kv_tile)·
  // (kv_tile x Dv): rows are M, keys are both N and K, head dims K and N.
  struct Multiple {
    StringRef name;
    int64_t value;
    StringRef ofName;
    int64_t of;
  };
  Multiple multiples[] = {{"q_tile", qTile, "intrinsic M", m},
                          {"kv_tile", kvTile, "intrinsic N", n},
                          {"kv_tile", kvTile, "intrinsic K", k},
                          {"head_dim_tile", headDimTile, "intrinsic K", k},
                          {"head_dim_tile", headDimTile, "intrinsic N", n},
                          {"l2_q_block", l2QBlock, "q_tile", qTile},
                          {"l2_kv_block", l2KvBlock, "kv_tile", kvTile}};
  for (const Multiple &mu : multiples)
    if (mu.value % mu.of != 0)
      return emitError() << "#attn.plan: " << mu.name << " = " << mu.value
                         << " is not a multiple of " << mu.ofName << " = "
                         << mu.of;
  Multiple padded[] = {
      {"padded_q_len", paddedQLen, "q_tile", qTile},
      {"padded_kv_len", paddedKvLen, "kv_tile", kvTile},
      {"padded_head_dim", paddedHeadDim, "head_dim_tile", headDimTile},
      {"padded_value_dim", paddedValueDim, "head_dim_tile", headDimTile}};
  for (const Multiple &mu : padded) {
    if (ShapedType::isDynamic(mu.value))
      continue;
    if (mu.value <= 0)
      return emitError() << "#attn.plan: '" << mu.name
                         << "' must be positive or ?, got " << mu.value;
    if (mu.value % mu.of != 0)
      return emitError() << "#attn.plan: " << mu.name << " = " << mu.value
                         << " is not a multiple of " << mu.ofName << " = "
                         << mu.of;
  }
  // A cascade chain is kv_split cores of one column.
  if (kvSplit < 1 || !llvm::isPowerOf2_64(kvSplit) || coresPerColumn <= 0 ||
      coresPerColumn % kvSplit != 0)
    return emitError() << "#attn.plan: 'kv_split' = " << kvSplit
                       << " must be a power of two dividing cores_per_column = "
                       << coresPerColumn
                       << " (a cascade chain is kv_split cores of a column)";
  if (kvSplit > 1 && mapping != MappingKind::fused)
    return emitError() << "#attn.plan: 'kv_split' = " << kvSplit
                       << " needs mapping = fused (a cascade chain runs the "
                          "fused online stage on every core)";
  // Head dimensions are never dynamic after folding: the kernels are
  // compiled for one D.
  if (ShapedType::isDynamic(paddedHeadDim) ||
      ShapedType::isDynamic(paddedValueDim))
    return emitError() << "#attn.plan: 'padded_head_dim' and "
                          "'padded_value_dim' must be static";
  return verifyPlanRepresentable(emitError, qTile, kvTile, l2QBlock, l2KvBlock,
                                 columns, coresPerColumn, depth, paddedQLen,
                                 paddedKvLen, paddedHeadDim, paddedValueDim);
}

//===----------------------------------------------------------------------===//
// The recorded DMA schedule
//===----------------------------------------------------------------------===//

static bool isTileCoord(ArrayRef<int64_t> c) {
  return c.size() == 2 && c[0] >= 0 && c[1] >= 0;
}

LogicalResult FifoAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               StringRef name, ArrayRef<int64_t> producer,
                               ArrayAttr consumers, int64_t depth,
                               MemRefType object, ArrayRef<DramRole> dram,
                               int64_t shimChannel, FifoUse use, int64_t group,
                               int64_t column, ArrayRef<int64_t> coreRows,
                               int64_t consumerDepth, int64_t repeatCount,
                               ArrayRef<int64_t> toStream) {
  if (repeatCount < 0)
    return emitError() << "#attn.fifo '" << name
                       << "': 'repeat_count' must be non-negative";
  if (toStream.size() % 2 != 0 ||
      llvm::any_of(toStream, [](int64_t v) { return v < 1; }))
    return emitError() << "#attn.fifo '" << name
                       << "': 'to_stream' must be positive size, stride pairs";
  if (name.empty())
    return emitError() << "#attn.fifo: 'name' must not be empty";
  if (consumerDepth < 0)
    return emitError() << "#attn.fifo '" << name
                       << "': 'consumer_depth' must be non-negative";
  if (!isTileCoord(producer))
    return emitError() << "#attn.fifo '" << name
                       << "': 'producer' must be [column, row] (non-negative)";
  if (consumers.empty())
    return emitError() << "#attn.fifo '" << name
                       << "': 'consumers' must name at least one tile";
  for (Attribute c : consumers) {
    auto coord = dyn_cast<DenseI64ArrayAttr>(c);
    if (!coord || !isTileCoord(coord.asArrayRef()))
      return emitError() << "#attn.fifo '" << name
                         << "': each of 'consumers' must be array<i64: "
                            "column, row> (non-negative), got "
                         << c;
  }
  if (depth < 1)
    return emitError() << "#attn.fifo '" << name << "': 'depth' must be >= 1, "
                       << "got " << depth;
  if (!object.hasStaticShape() || object.getNumElements() < 1)
    return emitError() << "#attn.fifo '" << name
                       << "': 'object' must be a non-empty static memref, got "
                       << object;
  if (dram.empty() != (shimChannel < 0))
    return emitError() << "#attn.fifo '" << name
                       << "': 'dram' and 'shim_channel' go together (a FIFO "
                          "with a shim end has both)";
  if (llvm::any_of(coreRows, [](int64_t r) { return r < 0; }))
    return emitError() << "#attn.fifo '" << name
                       << "': 'core_rows' must be non-negative";
  return success();
}

LogicalResult LinkAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               ArrayAttr ins, ArrayAttr outs,
                               ArrayRef<int64_t> srcOffsets,
                               ArrayRef<int64_t> dstOffsets) {
  for (auto [list, what] : {std::pair{ins, "ins"}, std::pair{outs, "outs"}}) {
    if (list.empty())
      return emitError() << "#attn.link: '" << what << "' must not be empty";
    for (Attribute a : list)
      if (!isa<StringAttr>(a))
        return emitError() << "#attn.link: '" << what
                           << "' must hold FIFO names (strings), got " << a;
  }
  if (ins.size() > 1 && outs.size() > 1)
    return emitError() << "#attn.link: a link joins or splits, not both";
  if (!srcOffsets.empty() && srcOffsets.size() != ins.size())
    return emitError() << "#attn.link: 'src_offsets' needs one offset per "
                          "input, has "
                       << srcOffsets.size() << " for " << ins.size();
  if (!dstOffsets.empty() && dstOffsets.size() != outs.size())
    return emitError() << "#attn.link: 'dst_offsets' needs one offset per "
                          "output, has "
                       << dstOffsets.size() << " for " << outs.size();
  return success();
}

LogicalResult CoreAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               ArrayRef<int64_t> tile, int64_t group,
                               int64_t columnInGroup, int64_t row,
                               StringRef item, StringRef step,
                               StringRef coreStep, StringRef out, StringRef rtp,
                               CoreRole role, StringRef pipeIn,
                               StringRef pipeOut) {
  if (!isTileCoord(tile))
    return emitError() << "#attn.core: 'tile' must be [column, row] "
                          "(non-negative)";
  if (group < 0 || columnInGroup < 0 || row < 0)
    return emitError() << "#attn.core: 'group', 'column_in_group' and 'row' "
                          "must be non-negative";
  // A stream pipeline's QK and softmax cores send their results to the next
  // core ('pipe_out'); a cascade chain's cores above the bottom send theirs
  // over the cascade: the record reader checks which FIFOs each core needs.
  if ((role == CoreRole::fused) != (pipeIn.empty() && pipeOut.empty()))
    return emitError() << "#attn.core: a '" << stringifyCoreRole(role)
                       << "' core "
                       << (role == CoreRole::fused
                               ? "has no core-to-core FIFOs"
                               : "needs its core-to-core FIFOs")
                       << " ('pipe_in' / 'pipe_out')";
  return success();
}

LogicalResult CascadeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t column, int64_t lane,
                                  ArrayAttr tiles) {
  if (column < 0 || lane < 0)
    return emitError() << "#attn.cascade: 'column' and 'lane' must be "
                          "non-negative";
  if (tiles.size() < 2)
    return emitError() << "#attn.cascade: 'tiles' must list at least 2 cores, "
                       << "has " << tiles.size();
  std::optional<std::pair<int64_t, int64_t>> above;
  for (auto [i, a] : llvm::enumerate(tiles)) {
    auto c = dyn_cast<DenseI64ArrayAttr>(a);
    if (!c || !isTileCoord(c.asArrayRef()))
      return emitError() << "#attn.cascade: tiles[" << i
                         << "] must be array<i64: column, row>";
    if (c[0] != column)
      return emitError() << "#attn.cascade: tiles[" << i << "] is in column "
                         << c[0] << ", the chain's column is " << column;
    if (above && c[1] != above->second - 1)
      return emitError() << "#attn.cascade: tiles[" << i << "] (row " << c[1]
                         << ") must be directly below tiles[" << i - 1
                         << "] (row " << above->second
                         << "): a cascade flows North to South";
    above = std::make_pair(c[0], c[1]);
  }
  return success();
}

LogicalResult TransferAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   StringRef fifo, DramRole role,
                                   int64_t column, DmaDirection direction,
                                   int64_t channel, int64_t offset,
                                   ArrayRef<int64_t> sizes,
                                   ArrayRef<int64_t> strides, int64_t bdId,
                                   BoolAttr issueToken) {
  if (fifo.empty())
    return emitError() << "#attn.transfer: 'fifo' must not be empty";
  if (sizes.size() != 4 || strides.size() != 4)
    return emitError() << "#attn.transfer '" << fifo
                       << "': 'sizes' and 'strides' must have 4 entries "
                          "(outermost first)";
  if (llvm::any_of(sizes, [](int64_t s) { return s < 1; }))
    return emitError() << "#attn.transfer '" << fifo
                       << "': 'sizes' must be positive";
  if (llvm::any_of(strides, [](int64_t s) { return s < 0; }) || offset < 0)
    return emitError() << "#attn.transfer '" << fifo
                       << "': 'offset' and 'strides' must be non-negative";
  if (column < 0 || channel < 0 || bdId < 0)
    return emitError() << "#attn.transfer '" << fifo
                       << "': 'column', 'channel' and 'bd_id' must be "
                          "non-negative";
  return success();
}

LogicalResult BufferAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef use, StringRef name,
                                 MemRefType object, int64_t copies) {
  if (name.empty())
    return emitError() << "#attn.buffer: 'name' must not be empty";
  if (!object.hasStaticShape())
    return emitError() << "#attn.buffer '" << name
                       << "': 'object' must be a static memref";
  if (copies < 1)
    return emitError() << "#attn.buffer '" << name
                       << "': 'copies' must be >= 1, got " << copies;
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

#define GET_ATTRDEF_CLASSES
#include "attn/Dialect/Attn/IR/AttnAttrs.cpp.inc"

void AttnDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attn/Dialect/Attn/IR/AttnAttrs.cpp.inc"
      >();
}
