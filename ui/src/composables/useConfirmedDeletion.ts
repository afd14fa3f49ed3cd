import { shallowRef, type ShallowRef } from "vue"
import { type Action, useAction } from "./useAction"

export interface ConfirmedDeletion<Item> {
  /** The item whose confirmation dialog is open. */
  readonly deleting: ShallowRef<Item | undefined>
  readonly deletion: Action
  readonly askDelete: (item: Item) => void
  /** Deletes the item asked about; the dialog closes on success and shows the error otherwise. */
  readonly confirmDelete: () => Promise<void>
}

/** A row's delete button, its confirmation dialog and the call behind it, for a list that reloads afterwards. */
export const useConfirmedDeletion = <Item>(
  remove: (item: Item) => Promise<unknown>,
  onDeleted: () => void
): ConfirmedDeletion<Item> => {
  const deleting = shallowRef<Item | undefined>(undefined)
  const deletion = useAction()

  const askDelete = (item: Item): void => {
    deletion.clearError()
    deleting.value = item
  }

  const confirmDelete = async (): Promise<void> => {
    const item = deleting.value
    if (item === undefined) return
    const done = await deletion.run(async () => {
      await remove(item)
      return true
    })
    if (done !== true) return
    deleting.value = undefined
    onDeleted()
  }

  return { deleting, deletion, askDelete, confirmDelete }
}
