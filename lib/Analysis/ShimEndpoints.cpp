//===- ShimEndpoints.cpp - which shim DMA a runtime transfer uses ---------===//

#include "attn/Analysis/ShimEndpoints.h"

#include "attn/Dialect/AIE/IR/AIEOps.h"
#include "attn/Target/NPUTarget.h"

#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::attn;

static bool isShimTile(const NPUTarget &target, Value tile) {
  auto tileOp = tile.getDefiningOp<aie::TileOp>();
  return tileOp && target.inBounds(tileOp.getCol(), tileOp.getRow()) &&
         target.tileKind(tileOp.getCol(), tileOp.getRow()) == TileKind::Shim;
}

FailureOr<ShimEndpoint> mlir::attn::resolveShimEndpoint(Operation *user,
                                                        StringRef symbol) {
  auto device = user->getParentOfType<aie::DeviceOp>();
  if (!device)
    return user->emitOpError("is not inside an aie.device");
  const NPUTarget *target = aie::getTarget(device);
  if (!target)
    return user->emitOpError("device ")
           << aie::stringifyAIEDevice(device.getDevice())
           << " has no entry in the target table";
  Operation *def = SymbolTable::lookupSymbolIn(device, symbol);
  if (!def)
    return user->emitOpError("names @")
           << symbol << ", which is not defined in the device";

  if (auto alloc = dyn_cast<aie::ShimDMAAllocationOp>(def)) {
    ShimEndpoint endpoint;
    endpoint.definingOp = def;
    endpoint.column = alloc.getColumn();
    endpoint.mm2s = alloc.getChannelDir() == aie::DMAChannelDir::MM2S;
    return endpoint;
  }
  if (auto fifo = dyn_cast<aie::ObjectFifoCreateOp>(def)) {
    bool shimProducer = isShimTile(*target, fifo.getProducerTile());
    Value shimConsumer;
    for (Value consumer : fifo.getConsumerTiles())
      if (isShimTile(*target, consumer))
        shimConsumer = consumer;
    if (shimProducer && shimConsumer)
      return user->emitOpError("names object FIFO @")
             << symbol
             << ", which has shim tiles on both ends; the transfer "
                "direction is ambiguous";
    if (!shimProducer && !shimConsumer)
      return user->emitOpError("names object FIFO @")
             << symbol << ", which has no shim end";
    Value tile = shimProducer ? fifo.getProducerTile() : shimConsumer;
    ShimEndpoint endpoint;
    endpoint.definingOp = def;
    endpoint.column = tile.getDefiningOp<aie::TileOp>().getCol();
    endpoint.mm2s = shimProducer;
    return endpoint;
  }
  return user->emitOpError("names @")
         << symbol << ", a '" << def->getName()
         << "', not an aie.objectfifo or aie.shim_dma_allocation";
}
